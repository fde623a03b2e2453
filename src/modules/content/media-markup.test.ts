import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { assertInert } from '../../../test/helpers/xss.ts';
import { html } from '../../platform/views/html.ts';
import { coverImage, type MediaItem, resetMediaMarkup, setMediaMarkup, videoPlayer } from './media-markup.ts';

const image: MediaItem = {
  id: 'img-1',
  kind: 'image',
  mime: 'image/jpeg',
  width: 1600,
  height: 900,
  lang: null,
  alt: { en: 'A "consultant" <b>', 'zh-CN': '' },
  variants: [
    { name: 'w400.jpg', width: 400, height: 225 },
    { name: 'w800.jpg', width: 800, height: 450 },
    { name: 'w1600.jpg', width: 1600, height: 900 },
  ],
};

describe('media markup', () => {
  afterEach(() => resetMediaMarkup());

  it('builds a responsive cover image from the variants, alt text escaped', () => {
    const out = coverImage(image, { lang: 'zh-CN' }).value;
    assert.match(out, /^<img src="\/media\/img-1\/w800.jpg" srcset="\/media\/img-1\/w400.jpg 400w, /);
    assert.match(out, /alt="A &quot;consultant&quot; &lt;b&gt;"/, 'falls back to the other language');
    assertInert(out, 'cover');
    const bare = coverImage({ ...image, variants: [] }, { lang: 'en' }).value;
    assert.match(bare, /src="\/media\/img-1\/w800.jpg"/);
  });

  it('builds a self-hosted video with a poster and captions in both languages', () => {
    const out = videoPlayer(
      {
        video: {
          ...image,
          id: 'vid-1',
          kind: 'video',
          mime: 'video/mp4',
          variants: [{ name: 'video.mp4', mime: 'video/mp4' }],
        },
        poster: { ...image, id: 'poster-1' },
        captions: [
          { ...image, id: 'cap-en', kind: 'captions', lang: 'en', variants: [{ name: 'captions.vtt' }] },
          { ...image, id: 'cap-zh', kind: 'captions', lang: 'zh-CN', variants: [{ name: 'captions.vtt' }] },
        ],
      },
      { lang: 'en', labels: { en: 'English', 'zh-CN': '中文' }, fallback: 'No video' },
    ).value;
    assert.match(out, /<video controls preload="none" poster="\/media\/poster-1\/w800.jpg"/);
    assert.match(out, /<source src="\/media\/vid-1\/video.mp4" type="video\/mp4">/);
    assert.match(
      out,
      /<track kind="captions" src="\/media\/cap-en\/captions.vtt" srclang="en" label="English" default>/,
    );
    assert.match(
      out,
      /<track kind="captions" src="\/media\/cap-zh\/captions.vtt" srclang="zh-CN" label="中文">/,
    );
    assertInert(out, 'video');
  });

  it('lets the media module replace the markup', () => {
    setMediaMarkup({ image: (item) => html`<img src="/media/${item.id}/custom.webp" alt="">` });
    assert.equal(coverImage(image, { lang: 'en' }).value, '<img src="/media/img-1/custom.webp" alt="">');
  });
});
