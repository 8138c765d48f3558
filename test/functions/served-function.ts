/** The suites serve functions the way `npm start` does: see local/served-function.ts. */
export {
  type FunctionName,
  type ServedFunction,
  serveFunction,
} from '../../local/served-function';
