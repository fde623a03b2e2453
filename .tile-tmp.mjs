import sharp from 'sharp';
const [,, file, h = '1400'] = process.argv;
const img = sharp(file); const { width, height } = await img.metadata();
const H = Number(h); const base = file.split('/').pop().replace('.png','');
for (let y = 0, i = 0; y < height; y += H, i++) {
  await sharp(file).extract({ left: 0, top: y, width, height: Math.min(H, height - y) }).toFile(`/tmp/tiles/${base}-${i}.png`);
  console.log(`/tmp/tiles/${base}-${i}.png`);
}
