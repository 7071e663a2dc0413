/**
 * Detectors for credentials: JWTs, `Bearer` tokens, PEM private keys, `user:pass@` in URLs and
 * the fixed-prefix formats of AWS access keys, GitHub, Slack and Stripe tokens.
 */
import { scan, standsAlone, type Detector } from './detector.ts';
import { AT, AWS, BEARER, DASHES, EYJ, GITHUB, SCHEME, SLACK, STRIPE } from './features.ts';
import { hasTokenChecksum, isJwtHeader } from './validators.ts';

const isB64Url = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 45 || c === 95;

/** A JWS (3 segments) or JWE (5 segments) whose header decodes to JSON with an `alg`. */
const JWT = /eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)?/g;

export const jwt: Detector = {
  rule: 'jwt',
  trigger: EYJ,
  find(s, out, tag) {
    scan(JWT, s, (m) => {
      if (isB64Url(s.charCodeAt(m.index - 1)) || !isJwtHeader(m[0].slice(0, m[0].indexOf('.')))) return false;
      out.push(m.index, m.index + m[0].length, tag);
      return true;
    });
  },
  // The header only names the algorithm; the claims and signature are hidden.
  mask: (text) => `${text.slice(0, text.indexOf('.'))}.****`,
};

const BEARER_TOKEN = /\bbearer\s+([A-Za-z0-9\-._~+/]+=*)/gi;
const PROSE = /^[a-z-]+$/;

/**
 * The token after `Bearer ` (any case). The finding is the token only, so `Bearer ` stays as
 * context. Words such as "Bearer authentication" are prose, not tokens: a token has at least
 * 8 characters and is not all lowercase letters.
 */
export const bearer: Detector = {
  rule: 'bearer',
  trigger: BEARER,
  find(s, out, tag) {
    scan(BEARER_TOKEN, s, (m) => {
      const token = m[1];
      if (token.length < 8 || PROSE.test(token)) return false;
      const end = m.index + m[0].length;
      out.push(end - token.length, end, tag);
      BEARER_TOKEN.lastIndex = end - token.length; // a `bearer ` inside the token (`abc/bearer xyz…`) starts another
      return true;
    });
  },
  mask: () => '****',
};

const PEM = /-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----[\s\S]*?(?:-----END \1-----|$)/g;

/** A PEM private key block from BEGIN to END (or to the end of a truncated string). Certificates and public keys are not secret. */
export const privateKey: Detector = {
  rule: 'private_key',
  trigger: DASHES,
  find(s, out, tag) {
    scan(PEM, s, (m) => (out.push(m.index, m.index + m[0].length, tag), true));
  },
  mask(text) {
    const label = text.slice(11, text.indexOf('-----', 11));
    return `-----BEGIN ${label}-----****-----END ${label}-----`;
  },
};

const URL_USERINFO = /[A-Za-z][A-Za-z0-9+.-]*:\/\/([^\s/?#]+)@/g;

/**
 * The `user:pass` of `scheme://user:pass@host` (a user alone is not a credential, unless it is an
 * address: in `scheme://jo@example.com@host` the host is what follows the last `@`, and the user
 * name `jo@example.com`). The finding is the userinfo; `remove` also cuts the `@`, leaving `scheme://host`.
 */
export const urlCredentials: Detector = {
  rule: 'url_credentials',
  trigger: AT | SCHEME,
  removeTrailing: 1,
  find(s, out, tag) {
    scan(URL_USERINFO, s, (m) => {
      const info = m[1];
      // A user without a password is no credential (an address as the user is); the same authority would match again one character on.
      if ((info.indexOf(':') < 0 && !info.includes('@')) || info.length === 1) return true;
      const end = m.index + m[0].length - 1;
      out.push(end - info.length, end, tag);
      return true;
    });
  },
  mask: (text) => (text.includes(':') ? '****:****' : '****'),
};

/** A fixed-prefix token that must not run into neighbouring letters or digits (and passes `valid`, a checksum). */
function prefixed(rule: Detector['rule'], trigger: number, re: RegExp, offset: (text: string) => number = () => 0, valid?: (text: string) => boolean): Detector {
  return {
    rule,
    trigger,
    find(s, out, tag) {
      scan(re, s, (m) => {
        const end = m.index + m[0].length;
        const start = m.index + offset(m[0]);
        if (!standsAlone(s, m.index, end) || (valid && !valid(m[0]))) return false;
        out.push(start, end, tag);
        return true;
      });
    },
    // Keep the prefix that names the kind of key (`AKIA`, `ghp_`, `xoxb-`, `sk_live_`).
    mask: (text) => `${text.slice(0, keptPrefix(text))}****`,
  };
}

function keptPrefix(text: string): number {
  if (/^(?:AKIA|ASIA|ABIA|ACCA)/.test(text)) return 4;
  const m = /^(?:github_pat_|gh[pousr]_|xox[a-z]-|xoxe\.xox[bp]-|xapp-|(?:sk|rk)_(?:live|test)_|whsec_|services\/|workflows\/|triggers\/)/.exec(text);
  return m ? m[0].length : 0;
}

export const awsAccessKey = prefixed('aws_access_key', AWS, /(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}/g);
/**
 * GitHub tokens: `gh?_` + 30 + a CRC-32 checksum of 6 (verified; longer tokens, which GitHub may
 * issue, are taken by their shape), and fine-grained `github_pat_` tokens.
 */
export const githubToken = prefixed('github_token', GITHUB, /gh[pousr]_[A-Za-z0-9]{36,251}|github_pat_[A-Za-z0-9_]{22,244}/g, undefined, (t) => t.length !== 40 || !t.startsWith('gh') || hasTokenChecksum(t));
/** Slack API tokens (`xoxb-`, `xoxp-`…), app-level (`xapp-`) and refresh (`xoxe-`) tokens, and the secret path of incoming-webhook URLs. */
export const slackToken = prefixed(
  'slack_token',
  SLACK,
  /xox[abposr]-[A-Za-z0-9-]{10,}|xoxe(?:\.xox[bp])?-\d-[A-Za-z0-9-]{10,}|xapp-\d-[A-Za-z0-9-]{10,}|hooks\.slack\.com\/(?:services|workflows|triggers)\/[A-Za-z0-9_/-]{16,}/g,
  (text) => (text.startsWith('hooks.') ? 'hooks.slack.com/'.length : 0),
);
/** Stripe secret and restricted keys (live and test) and webhook signing secrets; publishable `pk_` keys are public. */
export const stripeKey = prefixed('stripe_key', STRIPE, /(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|whsec_[A-Za-z0-9]{32,}/g);
