#!/usr/bin/env bash
# Rebuild assets/fonts/NotoSansSC-subset.otf: Noto Sans CJK SC Regular cut down to the
# GB2312 level-1 characters (the 3,755 most common), CJK and full-width punctuation, and every
# character of the interface's Chinese table and of the sessions' Chinese descriptions, so the bundled font stays near 1 MB.
# Needs the Debian package fonts-noto-cjk and Python's fonttools (pip install fonttools).
set -euo pipefail
cd "$(dirname "$0")/.."
src=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
chars=$(mktemp)
python3 - "$chars" <<'PY'
import re, sys
text = set()
for hi in range(0xB0, 0xD8):
    for lo in range(0xA1, 0xFF):
        try:
            text.add(bytes([hi, lo]).decode("gb2312"))
        except UnicodeDecodeError:
            pass
text.update(chr(c) for c in range(0x3000, 0x3040))   # CJK punctuation
text.update(chr(c) for c in range(0xFF00, 0xFFF0))   # full-width forms
import glob
for source in ["src/gui/i18n/zh.rs", *sorted(glob.glob("sessions/*.ron"))]:
    text.update(c for c in open(source, encoding="utf-8").read() if ord(c) > 0x2E80)
open(sys.argv[1], "w", encoding="utf-8").write("".join(sorted(text)))
PY
# Face 2 of the collection is the Simplified Chinese one (Noto Sans CJK SC).
python3 -m fontTools.subset "$src" --font-number=2 --text-file="$chars" \
  --layout-features='*' --no-hinting --desubroutinize \
  --output-file=assets/fonts/NotoSansSC-subset.otf
rm -f "$chars"
ls -l assets/fonts/NotoSansSC-subset.otf
