// esbuild options for single-file ESM bundles run by Node: CommonJS dependencies
// (@grpc/grpc-js among them) call require(), which an ES module lacks, so the
// bundle defines one first.
export default {
  banner: {
    js: "import { createRequire as __actiondCreateRequire } from 'node:module'; const require = __actiondCreateRequire(import.meta.url);",
  },
};
