/*
 * Proof of work for the report form (modules/reports/pow.ts says why). Finds a nonce such that
 * SHA-256(challenge ":" nonce) starts with `bits` zero bits, and puts it in the form's empty nonce
 * field before it is sent. It starts as soon as the review page loads, in short slices so the page
 * stays responsive, and is usually done before the reporter has read the page. Without this script
 * the form is still sent, and the server's no-JavaScript path applies.
 *
 * SHA-256 is computed here in plain JavaScript: crypto.subtle is missing outside secure contexts
 * (a plain-http .onion address, say) and its promise per hash is slower for tiny messages. The
 * nonce is padded so that the challenge and the padding fill whole 64-byte blocks: those are hashed
 * once, and each try costs a single compression of the last block.
 */
(() => {
  const form = document.querySelector('form[data-pow-challenge]');
  if (!form) return;
  const challenge = form.getAttribute('data-pow-challenge') || '';
  const bits = Number(form.getAttribute('data-pow-bits') || '0');
  const nonceField = form.querySelector('input[name="nonce"]');
  const status = form.querySelector('.pow-status');
  if (!challenge || !nonceField || !(bits > 0 && bits <= 32)) return;

  const K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
  ]);
  const W = new Uint32Array(64);

  /** One SHA-256 compression of the 64-byte block in `block` (16 words) into `h` (8 words). */
  const compress = (h, block) => {
    for (let i = 0; i < 16; i++) W[i] = block[i];
    for (let i = 16; i < 64; i++) {
      const a = W[i - 15];
      const b = W[i - 2];
      const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
      const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
      W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
    }
    let a = h[0];
    let b = h[1];
    let c = h[2];
    let d = h[3];
    let e = h[4];
    let f = h[5];
    let g = h[6];
    let k = h[7];
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
      const t1 = (k + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
      k = g;
      g = f;
      f = e;
      e = (d + t1) | 0;
      d = c;
      c = b;
      b = a;
      a = (t1 + t2) | 0;
    }
    h[0] = (h[0] + a) | 0;
    h[1] = (h[1] + b) | 0;
    h[2] = (h[2] + c) | 0;
    h[3] = (h[3] + d) | 0;
    h[4] = (h[4] + e) | 0;
    h[5] = (h[5] + f) | 0;
    h[6] = (h[6] + g) | 0;
    h[7] = (h[7] + k) | 0;
  };

  /** The message's bytes as big-endian words (the challenge is ASCII: base64url and a dot). */
  const wordsOf = (text, into, offset) => {
    for (let i = 0; i < text.length; i++) {
      const p = offset + i;
      into[p >> 2] |= (text.charCodeAt(i) & 0xff) << (24 - (p & 3) * 8);
    }
  };

  const prefix = `${challenge}:`;
  // Pad the nonce so the prefix fills whole blocks (when that keeps the nonce within 32 characters).
  let pad = (64 - (prefix.length % 64)) % 64;
  if (pad > 24) pad = 0;
  const fixed = prefix + '0'.repeat(pad);
  const midstate = new Int32Array([
    0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19,
  ]);
  const fullBlocks = Math.floor(fixed.length / 64);
  const head = new Int32Array(16);
  for (let b = 0; b < fullBlocks; b++) {
    head.fill(0);
    wordsOf(fixed.slice(b * 64, b * 64 + 64), head, 0);
    compress(midstate, head);
  }
  const rest = fixed.slice(fullBlocks * 64);
  const h = new Int32Array(8);
  const tail = new Int32Array(32);
  const mask = bits === 32 ? 0xffffffff : ~(0xffffffff >>> bits);

  /** Tries one counter value; true when its hash has enough leading zero bits. */
  const attempt = (counter) => {
    const msg = rest + counter.toString(36);
    const length = fixed.length - rest.length + msg.length;
    tail.fill(0);
    wordsOf(msg, tail, 0);
    tail[msg.length >> 2] |= 0x80 << (24 - (msg.length & 3) * 8);
    const blocks = msg.length + 9 <= 64 ? 1 : 2;
    tail[blocks * 16 - 1] = length * 8;
    h.set(midstate);
    compress(h, tail.subarray(0, 16));
    if (blocks === 2) compress(h, tail.subarray(16, 32));
    return (h[0] & mask) === 0;
  };

  let solved = false;
  let waiting = false;
  let counter = 0;
  const started = performance.now();
  form.setAttribute('data-pow-state', 'working');

  const slice = () => {
    const until = performance.now() + 30;
    while (performance.now() < until) {
      for (let i = 0; i < 2000; i++, counter++) {
        if (attempt(counter)) {
          nonceField.value = '0'.repeat(pad) + counter.toString(36);
          solved = true;
          form.setAttribute('data-pow-state', 'done');
          form.setAttribute('data-pow-ms', String(Math.round(performance.now() - started)));
          form.setAttribute('data-pow-tries', String(counter + 1));
          if (waiting) form.submit();
          return;
        }
      }
    }
    setTimeout(slice, 0);
  };
  setTimeout(slice, 0);

  form.addEventListener('submit', (event) => {
    if (solved) return;
    event.preventDefault();
    waiting = true;
    if (status) status.textContent = form.getAttribute('data-pow-working') || '';
  });
})();
