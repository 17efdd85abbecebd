// session-limiter/jwt: stateless access tokens that die the moment their session is evicted.
export {
  createJwtSessions,
  JwtSessions,
  type JwtLoginResult,
  type JwtRefreshResult,
  type JwtVerifyResult,
} from './sessions.js';
export type { JwtSessionsOptions } from './options.js';
export type { AsymmetricKeyInput, JwtAlgorithm, SecretInput, WebCryptoKey } from './keys.js';
export type {
  AccessTokenClaims,
  InvalidToken,
  InvalidTokenReason,
  RefreshTokenClaims,
} from './tokens.js';
export {
  authenticateBearer,
  describeInvalidToken,
  readBearerToken,
  type BearerAuthentication,
  type BearerHeader,
  type BearerRefusal,
} from './bearer.js';
