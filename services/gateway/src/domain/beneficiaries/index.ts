export { payableBeneficiary, type PayableBeneficiary } from './payable';
