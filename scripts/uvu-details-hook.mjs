// Test-only module hook. uvu formats a failure's `err.details` as a string (its own assertion
// errors carry a text diff there), but GoferError.details is a structured object: uvu's
// formatter then throws and the failing test prints nothing. This rewrites that one line of
// uvu's source to stringify objects. Registered by scripts/test.mjs.
import { register } from 'node:module';

register(
  'data:text/javascript,' +
    encodeURIComponent(`
export async function load(url, context, nextLoad) {
  const result = await nextLoad(url, context);
  if (!/\\/uvu\\/dist\\/index\\.mjs$/.test(url)) return result;
  const source = String(result.source).replace(
    "if (details) str += GUTTER + details.split('\\\\n').join(GUTTER);",
    "if (details) str += GUTTER + (typeof details === 'string' ? details : JSON.stringify(details, null, 2)).split('\\\\n').join(GUTTER);",
  );
  return { ...result, source, shortCircuit: true };
}
`),
);
