#!/bin/sh
# Regenerates the pack's short captioned video from plain title cards. NOT needed at seed time or
# in CI: the outputs (warning-signs.webm, warning-signs.mp4, warning-signs-poster.png) are shipped.
# Needs Debian's ffmpeg (libvpx-vp9, libx264) and fonts-noto-cjk + fonts-dejavu.
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Five cards, 2.5 s each: background colour | Chinese line | English line.
i=0
while IFS='|' read -r colour zh en; do
  printf '%s' "$zh" > "$tmp/zh$i.txt"
  printf '%s' "$en" > "$tmp/en$i.txt"
  ffmpeg -hide_banner -loglevel error -f lavfi -i "color=c=$colour:s=640x360:r=12:d=2.5" \
    -vf "drawbox=x=40:y=40:w=560:h=280:color=white@0.15:t=3,drawtext=font='Noto Sans CJK SC':textfile=$tmp/zh$i.txt:fontsize=34:fontcolor=white:x=(w-tw)/2:y=130,drawtext=font='DejaVu Sans':textfile=$tmp/en$i.txt:fontsize=20:fontcolor=white@0.9:x=(w-tw)/2:y=200" \
    -pix_fmt yuv420p -y "$tmp/card$i.mkv"
  echo "file '$tmp/card$i.mkv'" >> "$tmp/list.txt"
  i=$((i + 1))
done <<'CARDS'
0x12355b|三个警示信号|Three warning signs
0x7a1f1f|① 报酬高得离谱，工作却说不清|1. Pay far too high for vague work
0x7a1f1f|② 索要内部资料或单位情况|2. Asks for internal files or workplace details
0x7a1f1f|③ 要求换用加密软件并保密|3. Moves you to an encrypted app, asks for secrecy
0x1f5a3a|停下来 · 留存记录 · 举报|Stop. Keep records. Report.
CARDS

ffmpeg -hide_banner -loglevel error -f concat -safe 0 -i "$tmp/list.txt" -c copy -y "$tmp/all.mkv"
ffmpeg -hide_banner -loglevel error -i "$tmp/all.mkv" -an -c:v libvpx-vp9 -b:v 0 -crf 40 -row-mt 1 -deadline good -y warning-signs.webm
ffmpeg -hide_banner -loglevel error -i "$tmp/all.mkv" -an -c:v libx264 -preset slow -crf 30 -pix_fmt yuv420p -movflags +faststart -y warning-signs.mp4
ffmpeg -hide_banner -loglevel error -ss 0.5 -i "$tmp/all.mkv" -frames:v 1 -update 1 -y warning-signs-poster.png
