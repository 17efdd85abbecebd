// The Express 4 package installed under an alias for the adapter's Express 4 tests.
declare module 'express4' {
  import express from 'express';
  export default express;
}

// The Koa 2 package installed under an alias for the adapter's Koa 2 tests.
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
