/**
 * Media in a real Chromium: the upload forms work with JavaScript switched off (multipart posted by
 * the browser itself), and the stored video plays and seeks in a <video> element through HTTP Range
 * requests, with its caption tracks, under the site's Content-Security-Policy.
 *
 * Without Chromium (/usr/bin/chromium, or VIGIL_CHROMIUM) the suite is skipped, except under CI=true.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import sharp from 'sharp';
import { createStaff, createTestApp, type TestApp } from '../helpers/app.ts';
import { IN_CI } from '../helpers/databases.ts';

const CHROMIUM = process.env.VIGIL_CHROMIUM ?? '/usr/bin/chromium';
const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const browserMissing = !fs.existsSync(CHROMIUM);

describe(
  'media in the browser',
  browserMissing && !IN_CI ? { skip: `${CHROMIUM} is not installed` } : {},
  () => {
    let t: TestApp;
    let browser: Browser;
    let base: string;
    let tmp: string;
    const problems: string[] = [];
    let storage: Awaited<ReturnType<import('playwright-core').BrowserContext['storageState']>>;
    let videoPage: string;

    before(async () => {
      t = await createTestApp('sqlite');
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--no-first-run',
          '--disable-background-networking',
        ],
      });
      tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'vigil-media-e2e-'));
      await createStaff(t, 'browser-editor', ['editor'], 'the editor chose this passphrase');
    });
    after(async () => {
      await browser?.close();
      fs.rmSync(tmp, { recursive: true, force: true });
      await t.close();
    });

    it('uploads an image and a video with poster and captions, JavaScript off', async () => {
      const ctx = await browser.newContext({ javaScriptEnabled: false, locale: 'en-GB' });
      ctx.on('console', (m) => {
        // The refused upload below answers 415 on purpose: the browser logs that as a failed load.
        if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) problems.push(m.text());
      });
      const page = await ctx.newPage();
      await page.goto(`${base}/admin/sign-in`);
      await page.fill('input[name="username"]', 'browser-editor');
      await page.fill('input[name="password"]', 'the editor chose this passphrase');
      await Promise.all([
        page.waitForURL(`${base}/admin`),
        page.click('button[type="submit"]:not(.link-button)'),
      ]);

      const photo = path.join(tmp, 'photo.jpg');
      await sharp({ create: { width: 1200, height: 800, channels: 3, background: '#335577' } })
        .jpeg()
        .withExif({ IFD0: { Make: 'SpyCam' } })
        .toFile(photo);
      await page.goto(`${base}/admin/media/images/new`);
      await page.fill('#f-altZh', '蓝色的照片');
      await page.fill('#f-altEn', 'A blue photo');
      await page.setInputFiles('#f-image', photo);
      await Promise.all([
        page.waitForURL(/\/admin\/media\/[0-9a-f-]{36}\?m=uploaded$/),
        page.click('form[enctype] button[type="submit"]'),
      ]);
      assert.match(await page.content(), /A blue photo/);

      // A refused upload keeps the typed text.
      await page.goto(`${base}/admin/media/videos/new`);
      await page.fill('#f-altZh', '保留的说明');
      await page.fill('#f-altEn', 'Kept description');
      await page.setInputFiles('#f-video', photo);
      const refused = await Promise.all([
        page.waitForResponse(/\/admin\/media\/videos$/),
        page.click('form[enctype] button[type="submit"]'),
      ]);
      assert.equal(refused[0].status(), 415);
      assert.equal(await page.inputValue('#f-altEn'), 'Kept description');
      assert.match(await page.content(), /not an MP4 or WebM video/);

      const poster = path.join(tmp, 'poster.png');
      await sharp({ create: { width: 640, height: 360, channels: 3, background: '#123456' } })
        .png()
        .toFile(poster);
      const zh = path.join(tmp, 'zh.vtt');
      const en = path.join(tmp, 'en.vtt');
      fs.writeFileSync(zh, 'WEBVTT\n\n00:00.000 --> 00:01.000\n请举报\n');
      fs.writeFileSync(en, 'WEBVTT\n\n00:00.000 --> 00:01.000\nReport it\n');
      await page.fill('#f-altZh', '测试视频');
      await page.fill('#f-altEn', 'Test video');
      await page.setInputFiles('#f-video', path.join(FIXTURES, 'tiny.webm'));
      await page.setInputFiles('#f-poster', poster);
      await page.setInputFiles('#f-captionsZh', zh);
      await page.setInputFiles('#f-captionsEn', en);
      await Promise.all([
        page.waitForURL(/\/admin\/media\/[0-9a-f-]{36}\?m=uploaded$/),
        page.click('form[enctype] button[type="submit"]'),
      ]);
      videoPage = page.url();
      assert.match(await page.content(), /<video [^>]*controls[^>]*preload="none"/);
      storage = await ctx.storageState();
      await ctx.close();
    });

    it('plays and seeks the video through Range requests, with both caption tracks', async () => {
      const ctx = await browser.newContext({ storageState: storage, locale: 'en-GB' });
      const ranges: number[] = [];
      ctx.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      ctx.on('response', (r) => {
        if (r.url().endsWith('/video.webm')) ranges.push(r.status());
      });
      const page = await ctx.newPage();
      await page.goto(videoPage);
      const result = await page.evaluate(async () => {
        const v = document.querySelector('video')!;
        v.muted = true;
        v.preload = 'auto';
        v.load();
        await new Promise((resolve, reject) => {
          v.addEventListener('loadedmetadata', resolve, { once: true });
          v.addEventListener('error', () => reject(new Error(`media error ${v.error?.code}`)), {
            once: true,
          });
        });
        v.currentTime = 0.6;
        await new Promise((resolve) => v.addEventListener('seeked', resolve, { once: true }));
        const tracks = [...v.querySelectorAll('track')].map((tr) => [tr.srclang, tr.default]);
        return { duration: v.duration, time: v.currentTime, tracks, poster: v.poster };
      });
      assert.ok(Math.abs(result.duration - 1) < 0.2, `duration ${result.duration}`);
      assert.ok(result.time > 0.5, `seeked to ${result.time}`);
      assert.deepEqual(result.tracks, [
        ['zh-CN', false],
        ['en', true],
      ]);
      assert.match(result.poster, /\/media\/[0-9a-f-]{36}\/w640\.jpg$/);
      assert.ok(ranges.includes(206), `the browser asked for ranges (${ranges.join(', ')})`);
      await ctx.close();
      assert.deepEqual(problems, [], 'no console errors or CSP violations');
    });
  },
);
