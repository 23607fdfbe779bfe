/**
 * onnxruntime's error messages carry source paths, C++ signatures and assertion text;
 * users need the one sentence that says what is wrong.
 */
export function condenseOrtError(err: unknown): string {
  const raw = err instanceof Error ? err.message : String(err);
  const withoutPaths = raw.replace(/\/onnxruntime_src\/\S+:\d+ /g, '').replace(/\S+::\S+\(.*?\)(::<lambda\(\)>)? /g, '');
  const oneLine = withoutPaths.replace(/\s+/g, ' ').trim() || raw;
  // ORT_ENFORCE failures start with the failed condition ("x == y was false."): keep only the explanation.
  const explanation = oneLine.replace(/^.*? was false\.\s*/, '');
  return (explanation || oneLine).slice(0, 600);
}
