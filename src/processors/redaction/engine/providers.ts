/**
 * Detectors for the credential formats of service providers, as secret scanners (gitleaks,
 * trufflehog, GitHub secret scanning) know them: a fixed prefix and a published shape, a checksum
 * where the format carries one (npm's CRC-32), the key id where the secret has no shape of its own
 * (an AWS secret access key next to its access key id). Each provider is a rule of its own, so the
 * redaction summary and the metrics name it, and each can be turned off alone. All of them run only
 * on strings whose prefilter saw one of their prefixes (the `PROVIDER` bit, `features.ts`).
 */
import { scan, standsAlone, type Detector } from './detector.ts';
import { AWS, PROVIDER } from './features.ts';
import type { BuiltinRule } from './rules.ts';
import { hasTokenChecksum, isDiscordId } from './validators.ts';

interface Format {
  /** Global regex of the whole credential. */
  re: RegExp;
  /** What the `mask` method keeps of a finding: the prefix naming its kind (`AIza`, `glpat-`, …). */
  keep?: RegExp;
  /** A check beyond the shape (a checksum); false rejects the candidate. */
  valid?: (text: string) => boolean;
  /** Where the secret starts in the match (the rest is context, kept as it is). */
  offset?: (text: string) => number;
  /** Letters or digits may touch the match (it has its own delimiters). Default: it must stand alone. */
  embedded?: boolean;
}

function provider(rule: BuiltinRule, format: Format): Detector {
  const { re, keep, valid, offset, embedded } = format;
  return {
    rule,
    trigger: PROVIDER,
    find(s, out, tag) {
      scan(re, s, (m) => {
        const end = m.index + m[0].length;
        if (!embedded && !standsAlone(s, m.index, end)) return false;
        if (valid && !valid(m[0])) return false;
        out.push(m.index + (offset ? offset(m[0]) : 0), end, tag);
        return true;
      });
    },
    mask: (text) => `${keep?.exec(text)?.[0] ?? ''}****`,
  };
}

export const googleApiKey = provider('google_api_key', { re: /AIza[0-9A-Za-z_-]{35}/g, keep: /^AIza/ });
/** OAuth access tokens (`ya29.`), refresh tokens (`1//0`) and OAuth client secrets (`GOCSPX-`). */
export const googleOAuth = provider('google_oauth_token', {
  re: /ya29\.[0-9A-Za-z_-]{20,}|1(?:\/\/|%2F%2F)0[0-9A-Za-z_-]{30,}|GOCSPX-[0-9A-Za-z_-]{28}/g,
  keep: /^(?:ya29\.|1\/\/0|1%2F%2F0|GOCSPX-)/,
});
/** Azure AD (Entra) client secrets: three characters, a digit, `Q~`, then 31 to 34. */
export const azureClientSecret = provider('azure_client_secret', { re: /[0-9A-Za-z_.~-]{3}\dQ~[0-9A-Za-z_.~-]{31,34}/g });
export const gitlabToken = provider('gitlab_token', {
  re: /(?:glpat|gldt|glrt|glptt|glcbt|glft|glsoat|gloas|glimt|glagent)-[0-9A-Za-z_.-]{20,}/g,
  keep: /^gl[a-z]+-/,
});
/** npm access tokens: `npm_` + 30 + a 6-character CRC-32 checksum, verified. */
export const npmToken = provider('npm_token', { re: /npm_[A-Za-z0-9]{36}/g, keep: /^npm_/, valid: hasTokenChecksum });
/** PyPI API tokens: a macaroon for pypi.org or test.pypi.org. */
export const pypiToken = provider('pypi_token', { re: /pypi-AgE[A-Za-z0-9_-]{50,}/g, keep: /^pypi-/ });
export const dockerToken = provider('docker_token', { re: /dckr_(?:pat|oat)_[A-Za-z0-9_-]{20,}/g, keep: /^dckr_[a-z]+_/ });
/** Twilio API key SIDs (`SK` + 32 hex: the key's name, which with its secret opens the account). */
export const twilioKey = provider('twilio_key', { re: /SK[0-9a-fA-F]{32}/g, keep: /^SK/ });
export const sendgridKey = provider('sendgrid_key', { re: /SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}/g, keep: /^SG\./ });
/** Mailgun private API keys (`key-` + 32) and signing keys (`<32 hex>-<8 hex>-<8 hex>`). */
export const mailgunKey = provider('mailgun_key', { re: /key-[0-9a-z]{32}|[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8}/g, keep: /^key-/ });
export const shopifyToken = provider('shopify_token', { re: /shp(?:at|ca|pa|ss)_[a-fA-F0-9]{32}/g, keep: /^shp[a-z]{2}_/ });
/** Square OAuth and access tokens (`sq0atp-`, `sq0csp-`, `sq0idp-`) and production access tokens (`EAAA`). */
export const squareToken = provider('square_token', { re: /sq0(?:atp|csp|idp)-[0-9A-Za-z_-]{22,43}|EAAA[0-9A-Za-z_-]{60}/g, keep: /^(?:sq0[a-z]{3}-|EAAA)/ });
export const digitaloceanToken = provider('digitalocean_token', { re: /do[opr]_v1_[a-f0-9]{64}/g, keep: /^do[a-z]_v1_/ });
/** HashiCorp Vault tokens (`hvs.`, `hvb.`, `hvr.`) and Terraform Cloud API tokens (`….atlasv1.…`). */
export const hashicorpToken = provider('hashicorp_token', {
  re: /hv[sbr]\.[A-Za-z0-9_-]{24,}|[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_-]{60,70}/g,
  keep: /^hv[sbr]\./,
});
/** New Relic user, admin, insert and browser keys (`NRAK-`, `NRAA-`, `NRII-`, `NRJS-`) and license keys (`…NRAL`). */
export const newrelicKey = provider('newrelic_key', { re: /NR(?:AK|AA|II|JS)-[A-Za-z0-9_-]{19,32}|[a-f0-9]{36}NRAL/g, keep: /^NR[A-Z]{2}-/ });
/** Sentry organization (`sntrys_`) and user (`sntryu_`) auth tokens; a DSN's secret is `url_credentials`. */
export const sentryToken = provider('sentry_token', { re: /sntrys_[A-Za-z0-9+/=_%-]{40,}|sntryu_[a-f0-9]{64}/g, keep: /^sntry[su]_/ });
/** OpenAI keys: project, service-account and admin keys, and the older `sk-…T3BlbkFJ…` form. */
export const openaiKey = provider('openai_key', {
  re: /sk-(?:proj|svcacct|admin)-[A-Za-z0-9_-]{40,}|sk-[A-Za-z0-9]{20}T3BlbkFJ[A-Za-z0-9]{20}/g,
  keep: /^sk-(?:proj-|svcacct-|admin-)?/,
});
export const anthropicKey = provider('anthropic_key', { re: /sk-ant-(?:api|admin|oat|ort)\d{2}-[A-Za-z0-9_-]{80,}/g, keep: /^sk-ant-[a-z]+\d{2}-/ });
/** Discord bot tokens: their first segment is the bot's user id in base64 (checked). */
export const discordToken = provider('discord_token', {
  re: /[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}/g,
  valid: (t) => isDiscordId(t.slice(0, t.indexOf('.'))),
});
/** The token of a Discord webhook URL (the URL up to the webhook's id is kept). */
export const discordWebhook = provider('discord_token', {
  re: /(?<=:\/\/)(?:discord|discordapp)\.com\/api\/webhooks\/\d{17,20}\/[A-Za-z0-9_-]{60,}/g,
  offset: (t) => t.lastIndexOf('/') + 1,
  embedded: true,
});
/** Telegram bot tokens: `<bot id>:AA` + 33 (`%3A` in a URL); the bot id before the colon is kept. */
export const telegramToken = provider('telegram_token', { re: /\d{8,10}(?::|%3A)AA[A-Za-z0-9_-]{33}/g, offset: (t) => t.search(/(?<=:|%3A)AA/) });
export const huggingfaceToken = provider('huggingface_token', { re: /hf_[A-Za-z]{34}/g, keep: /^hf_/ });
export const postmanKey = provider('postman_key', { re: /PMAK-[a-f0-9]{24}-[a-f0-9]{34}/g, keep: /^PMAK-/ });
/** Grafana service-account tokens (`glsa_`) and Grafana Cloud tokens (`glc_`). */
export const grafanaToken = provider('grafana_token', { re: /glsa_[A-Za-z0-9]{32}_[a-f0-9]{8}|glc_[A-Za-z0-9+/%]{32,400}={0,2}/g, keep: /^gl(?:sa|c)_/ });
export const linearKey = provider('linear_key', { re: /lin_api_[A-Za-z0-9]{40}/g, keep: /^lin_api_/ });
export const dopplerToken = provider('doppler_token', { re: /dp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}/g, keep: /^dp\.[a-z]+\./ });
export const pulumiToken = provider('pulumi_token', { re: /pul-[a-f0-9]{40}/g, keep: /^pul-/ });
/** age encryption secret keys (Bech32). */
export const ageSecretKey = provider('age_secret_key', { re: /AGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}/g, keep: /^AGE-SECRET-KEY-1/ });
/** AWS session tokens (STS): the current form starts with the base64 of their version header (percent-encoded in a URL). */
export const awsSessionToken = provider('aws_session_token', { re: /IQoJb3JpZ2luX2Vj[A-Za-z0-9/+=%]{100,}/g, keep: /^IQoJb3JpZ2luX2Vj/ });

const ACCESS_KEY_ID = /(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}/g;
const SECRET_CANDIDATE = /[A-Za-z0-9/+]{40}/g;
const isB64 = (c: number) => (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 43 || c === 47 || c === 61;
/** `=` only pads the end of base64: before a candidate it is the `=` of `key=value`, not a longer run. */
const continuesB64 = (c: number) => c !== 61 && isB64(c);
/** How far from its key id a secret access key is looked for (a JSON object, a credentials file, an env dump). */
const NEAR = 200;

/**
 * AWS secret access keys: 40 characters of base64 with no prefix of their own, so found only
 * within {@link NEAR} characters of an access key id (`AKIA…`, `ASIA…`): what `aws configure`,
 * credentials files, environment dumps and SDK errors put side by side. A git SHA or a hex digest
 * beside a key id is left alone: a secret key mixes upper and lower case with digits or `/`, `+`.
 */
export const awsSecretKey: Detector = {
  rule: 'aws_secret_key',
  trigger: AWS,
  find(s, out, tag) {
    let last = -1;
    ACCESS_KEY_ID.lastIndex = 0;
    let id: RegExpExecArray | null;
    while ((id = ACCESS_KEY_ID.exec(s)) !== null) {
      const from = Math.max(0, id.index - NEAR);
      const to = Math.min(s.length, id.index + id[0].length + NEAR);
      const window = s.slice(from, to);
      SECRET_CANDIDATE.lastIndex = 0;
      let m: RegExpExecArray | null;
      while ((m = SECRET_CANDIDATE.exec(window)) !== null) {
        const start = from + m.index;
        const end = start + 40;
        if (start <= last || continuesB64(s.charCodeAt(start - 1)) || isB64(s.charCodeAt(end)) || !/[a-z]/.test(m[0]) || !/[A-Z]/.test(m[0]) || !/[0-9/+]/.test(m[0])) {
          SECRET_CANDIDATE.lastIndex = m.index + 1;
          continue;
        }
        out.push(start, end, tag);
        last = start;
      }
    }
  },
  mask: () => '****',
};

/** The provider detectors by rule, in the order they win over each other. */
export const PROVIDER_DETECTORS = {
  aws_secret_key: [awsSecretKey],
  aws_session_token: [awsSessionToken],
  google_api_key: [googleApiKey],
  google_oauth_token: [googleOAuth],
  azure_client_secret: [azureClientSecret],
  gitlab_token: [gitlabToken],
  npm_token: [npmToken],
  pypi_token: [pypiToken],
  docker_token: [dockerToken],
  twilio_key: [twilioKey],
  sendgrid_key: [sendgridKey],
  mailgun_key: [mailgunKey],
  shopify_token: [shopifyToken],
  square_token: [squareToken],
  digitalocean_token: [digitaloceanToken],
  hashicorp_token: [hashicorpToken],
  newrelic_key: [newrelicKey],
  sentry_token: [sentryToken],
  openai_key: [openaiKey],
  anthropic_key: [anthropicKey],
  discord_token: [discordToken, discordWebhook],
  telegram_token: [telegramToken],
  huggingface_token: [huggingfaceToken],
  postman_key: [postmanKey],
  grafana_token: [grafanaToken],
  linear_key: [linearKey],
  doppler_token: [dopplerToken],
  pulumi_token: [pulumiToken],
  age_secret_key: [ageSecretKey],
} as const satisfies Partial<Record<BuiltinRule, Detector[]>>;
