// Google's TypeScript style, as gts ships it (single quotes, no bracket spacing, trailing commas,
// `x => x`); prettier's defaults for the rest (80 columns, 2 spaces, semicolons).
module.exports = {
  ...require('gts/.prettierrc.json'),
};
