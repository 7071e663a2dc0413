import { z } from 'zod';

/** A string that must compile as a JavaScript regular expression; checked once, at start. */
export const regexSource = () => z.string().refine(isValidRegex, { message: 'must be a valid regular expression' });

function isValidRegex(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}
