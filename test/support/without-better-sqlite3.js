// `node --import` this to run as if better-sqlite3 were not installed (its optional install
// failed): importing it fails the way Node fails for a missing package.
import module from 'node:module';

function resolve(specifier, context, next) {
  if (specifier === 'better-sqlite3') {
    const error = new Error("Cannot find package 'better-sqlite3'");
    error.code = 'ERR_MODULE_NOT_FOUND';
    throw error;
  }
  return next(specifier, context);
}

if (module.registerHooks) {
  module.registerHooks({ resolve });
} else {
  // Node 20 has only the asynchronous hooks (deprecated from Node 26): the same hook, by URL.
  module.register(`data:text/javascript,export ${encodeURIComponent(resolve.toString())}`);
}
