export { asPayable, type PayableBeneficiary } from './payable';
