// Must not compile: `tsc -p .` has to report exactly this one error, which shows that the check
// reads the library's types and fails when a program misuses them.
import { createSessionLimiter } from 'session-limiter';
import { sessionLimit } from 'session-limiter/hono';

// Hono has no session library for the adapter to ride on: its modes are 'cookie' and 'bearer'.
export const middleware = sessionLimit(createSessionLimiter(), { mode: 'express-session' }); // TS2322
