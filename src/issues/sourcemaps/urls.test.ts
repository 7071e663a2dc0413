import { describe, expect, it } from 'vitest';

import { candidateFileUrls, isInAppSource, originalFilePath } from './urls.ts';

describe('matching a frame file to an uploaded map', () => {
  it.each([
    ['https://cdn.example.com/static/js/app.min.js', ['https://cdn.example.com/static/js/app.min.js', '~/static/js/app.min.js']],
    [
      'https://cdn.example.com/static/js/app.min.js?v=3#x',
      ['https://cdn.example.com/static/js/app.min.js?v=3#x', 'https://cdn.example.com/static/js/app.min.js', '~/static/js/app.min.js'],
    ],
    ['file:///srv/app/dist/app.min.js', ['file:///srv/app/dist/app.min.js', '~/srv/app/dist/app.min.js']],
    ['/static/js/app.min.js', ['/static/js/app.min.js', '~/static/js/app.min.js']],
    ['app.min.js', ['app.min.js']],
  ])('%s is looked up as %j', (url, expected) => {
    expect(candidateFileUrls(url)).toEqual(expected);
  });
});

describe('original source paths', () => {
  it.each([
    ['webpack://shop/./src/cart.ts', 'src/cart.ts', true],
    ['webpack:///src/cart.ts', 'src/cart.ts', true],
    ['../checkout.js', 'checkout.js', true],
    ['../../node_modules/react-dom/cjs/react-dom.js', 'node_modules/react-dom/cjs/react-dom.js', false],
    ['webpack://shop/webpack/bootstrap', 'webpack/bootstrap', false],
    ['/src/main.tsx', '/src/main.tsx', true],
  ])('%s becomes %s (in app: %s)', (source, path, inApp) => {
    expect(originalFilePath(source)).toBe(path);
    expect(isInAppSource(originalFilePath(source))).toBe(inApp);
  });
});
