// Lets Node 24 run the TypeScript test tools directly (`node --import
// ./test/support/ts-resolve.mjs file.ts`): our sources import siblings as `./x.js`,
// as TypeScript wants, so a `.js` that does not exist is looked up as `.ts`. Node
// itself strips the types.
import { registerHooks } from 'node:module';

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (error?.code === 'ERR_MODULE_NOT_FOUND' && /^\.{1,2}\/.*\.js$/.test(specifier)) {
        return nextResolve(specifier.replace(/\.js$/, '.ts'), context);
      }
      throw error;
    }
  },
});
