#!/usr/bin/env bash
# make_samples.sh — regenerate assets/samples/ (augmem's bundled sample memories)
# deterministically, from nothing but this script.
#
# Everything under assets/samples/ is an original work made by this script
# (text written by the augmem authors, images drawn procedurally with Pillow/numpy,
# speech synthesised with espeak-ng, sounds synthesised with SoX) and is dedicated
# to the public domain under CC0 1.0 — see assets/samples/LICENSE.txt.
#
# Usage:   assets/make_samples.sh            (from anywhere)
# Needs:   bash, espeak-ng, sox (with FLAC + Ogg Vorbis support, e.g. libsox-fmt-all),
#          python3 with Pillow and numpy (uses $PYTHON, else <repo>/.venv/bin/python, else python3)
#
# Determinism: fixed random seeds in Python, `sox -R` (repeatable mode: fixed seeds for
# noise/dither), no timestamps embedded in any file. Byte-identical output is expected for
# the same tool versions (libjpeg, zlib, espeak-ng, SoX, libvorbis, libFLAC); the versions
# used are recorded in the generated README.md. File mtimes are set to the "captured" dates
# for a nicer demo timeline, but git does not preserve mtimes.
set -euo pipefail
export LC_ALL=C TZ=UTC PYTHONHASHSEED=0

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"
OUT="$HERE/samples"

if [[ -z "${PYTHON:-}" ]]; then
  if [[ -x "$REPO/.venv/bin/python" ]]; then PYTHON="$REPO/.venv/bin/python"; else PYTHON=python3; fi
fi
for tool in espeak-ng sox "$PYTHON"; do
  command -v "$tool" >/dev/null || { echo "make_samples.sh: missing '$tool' (apt-get install -y espeak-ng sox libsox-fmt-all)" >&2; exit 1; }
done
"$PYTHON" -c 'import PIL, numpy' || { echo "make_samples.sh: $PYTHON lacks Pillow/numpy" >&2; exit 1; }
for fmt in flac ogg; do
  sox -h | grep -q "AUDIO FILE FORMATS:.* $fmt" || { echo "make_samples.sh: sox lacks $fmt support (install libsox-fmt-all)" >&2; exit 1; }
done

rm -rf "$OUT"
mkdir -p "$OUT/notes" "$OUT/photos" "$OUT/audio"
TMP="$(mktemp -d)"; trap 'rm -rf "$TMP"' EXIT

###############################################################################
# 1. notes/  (text written for augmem; one distinct topic per note)
###############################################################################
N="$OUT/notes"

cat > "$N/2026-04-12-walk-in-the-park.md" <<'EOF'
# Sunday morning walk in Alder Park — 12 April 2026

Dog-sitting Biscuit (the neighbours' scruffy brown terrier mix) this weekend, so we
went for an early walk around Alder Park before breakfast, about 8:45.

- Cool and sunny, maybe 11 °C. The cherry trees by the east gate are in full blossom.
- Biscuit spotted two grey squirrels chasing each other across the lawn and completely
  lost it: he barked at them non-stop while they sat on a low branch of the big oak by
  the pond, flicking their tails at him. A jogger stopped and laughed. Took about five
  minutes and a dog biscuit to get him moving again.
- After that he was perfectly calm; sniffed every bench on the loop and had a drink at
  the water fountain near the playground.
- Took a photo of him standing on the grass under the trees (he still had one eye on the
  squirrels).
- Loop was ~4 km, 55 minutes. Must remember to bring poo bags — only had one left.

Note to self: the park is much nicer before 9 on a Sunday. Quieter, and the light through
the trees is lovely.
EOF

cat > "$N/lentil-soup-recipe.md" <<'EOF'
# Red lentil soup (serves 4)

My go-to cheap weeknight soup. Ready in ~35 minutes, freezes well.

## Ingredients
- 250 g red lentils, rinsed
- 1 large onion, diced
- 2 carrots, diced
- 2 cloves garlic, minced
- 1 tbsp olive oil
- 1 tsp ground cumin, 1/2 tsp smoked paprika, pinch of chilli flakes
- 1 tbsp tomato paste
- 1.2 litres vegetable stock
- juice of 1/2 lemon, salt and pepper
- to serve: chopped parsley, a spoon of yoghurt, crusty bread

## Method
1. Warm the olive oil in a big pot over medium heat. Soften the onion and carrot for
   8 minutes, then add the garlic and spices for 1 minute until fragrant.
2. Stir in the tomato paste, then the lentils and the stock. Bring to the boil.
3. Simmer, partly covered, for 20 minutes, stirring now and then, until the lentils
   have fallen apart.
4. Blend about half of it (or all, if you like it smooth). Add the lemon juice and
   season to taste. Thin with a little water if it is too thick.

Tip: a handful of spinach stirred in at the end works well. Next time try coconut milk.
EOF

cat > "$N/2026-06-30-q3-budget-meeting.md" <<'EOF'
# Meeting notes — Q3 budget review

Date: Tuesday 30 June 2026, 10:00–11:15, room 4B
Attendees: Priya (finance), Marcus (engineering), Lena (marketing), me (notes)

## Summary
- Total Q3 budget proposal: 184,000 (down from 201,000 in Q2).
- Cloud hosting ran 12% over plan in Q2; Marcus to move batch jobs to reserved
  instances, target saving 9,000 per quarter.
- Marketing spend cut by 10%; the autumn trade-show booth is cancelled, the online
  campaign stays.
- Hiring freeze until September, except the one support role already approved.
- Travel: economy only, and only for customer visits.

## Decisions
1. Approve the Q3 budget at 184,000 with a 5,000 contingency line.
2. Finance to report actuals versus budget every two weeks instead of monthly.

## Action items
- [ ] Priya: circulate the final spreadsheet by Friday.
- [ ] Marcus: reserved-instance plan and cost estimate.
- [ ] Lena: revised campaign plan within the new marketing number.
- [ ] Me: book the follow-up review (originally Wednesday; now moved to Thursday at 3 pm).
EOF

cat > "$N/book-quote-walden.txt" <<'EOF'
Book quote — from "Walden" by Henry David Thoreau (1854; public domain)

"I went to the woods because I wished to live deliberately, to front only the
essential facts of life, and see if I could not learn what it had to teach, and not,
when I came to die, discover that I had not lived."

Why I saved it: a reminder to do fewer things, on purpose, instead of filling every
evening by default. Read it again whenever the calendar starts to feel like it owns me.
EOF

cat > "$N/beach-trip-packing-list.md" <<'EOF'
# Packing list — beach trip, 18–25 July 2026

## Beach
- [ ] sunscreen SPF 50 (+ after-sun lotion)
- [ ] beach umbrella (the red and white striped one) and pegs
- [ ] 2 beach towels, 1 picnic blanket
- [ ] swimsuits ×2, rash guard
- [ ] flip-flops, sun hat, sunglasses
- [ ] snorkel and mask
- [ ] cool box + ice packs, reusable water bottles

## Clothes
- [ ] t-shirts ×5, shorts ×3, one warm hoodie for the evenings
- [ ] light rain jacket

## Other
- [ ] chargers, power bank, waterproof phone pouch
- [ ] paperback for the beach
- [ ] first-aid kit, insect repellent
- [ ] passports? (no — same country, ID card is enough)
- [ ] ask neighbour to water the plants while we are away
EOF

cat > "$N/call-the-dentist.txt" <<'EOF'
REMINDER: call the dentist!

Call Dr. Okafor's dental practice (555-0142) before Friday to:
  - reschedule the cleaning (currently Mon 9 March at 8:30 — clashes with work)
  - mention the upper-left molar that has been sensitive to cold since last week
  - ask whether the check-up is covered by the new insurance plan

Their phone line opens at 8:00 and is usually busy after 9:30.
EOF

cat > "$N/guitar-chords-practice.md" <<'EOF'
# Learning guitar — chord practice log

Week 3 with the acoustic guitar. Fingertips finally less sore.

## Open chords so far (string 6 → 1, x = don't play, 0 = open)
| chord | frets       | notes                                  |
|-------|-------------|----------------------------------------|
| G     | 3 2 0 0 0 3 | ring finger on the high E              |
| C     | x 3 2 0 1 0 | keep the low E muted                    |
| D     | x x 0 2 3 2 | only strum the top four strings        |
| Em    | 0 2 2 0 0 0 | easiest one                            |
| Am    | x 0 2 2 1 0 | same shape as E major, one string over |

## Practice routine (20 min a day)
1. Tune first — A string to a 440 Hz reference tone, then tune the rest by ear.
2. Chord changes G → C → D → G, one minute each, metronome at 60 bpm.
3. Strumming pattern: down, down-up, up-down-up.
4. Finish with "one song I like" so it doesn't feel like homework.

Problem: the G → C change is still slow (about 2 s). The F barre chord can wait.
EOF

cat > "$N/grocery-list.txt" <<'EOF'
Grocery list (Saturday shop)

dairy & eggs:  milk (2 L, semi-skimmed), a dozen eggs, Greek yoghurt, butter
fruit & veg:   apples (red, the crunchy ones), bananas, spinach, tomatoes, garlic
bakery:        sourdough loaf
pantry:        coffee beans, rice, oats, peanut butter, tinned chickpeas
household:     dishwasher tablets, toilet paper, bin bags

don't forget the reusable bags
EOF

cat > "$N/2026-02-15-mountain-weekend-journal.md" <<'EOF'
# Journal — a weekend in the mountains (13–15 February 2026)

## Friday: getting there

We finally did it: a whole weekend in the mountains with no laptops. Sam picked me up
straight from work on Friday at four, the car already loaded with snowshoes, two
rucksacks, a box of groceries and far too many warm layers. The drive north took a
little over three hours. For the first hour the motorway was grey and wet and I was
convinced we had made a mistake, but after the turn-off at the reservoir the road
started to climb and the rain changed, almost exactly at the first hairpin, into big
slow flakes of snow. Sam slowed right down, we turned the music off, and for a while
neither of us said anything at all. The pine trees on both sides of the road were
loaded with snow and the headlights made the flakes look like they were rushing
towards us from a single point in the dark.

The cabin is a small wooden hut at the end of a forest track, about two kilometres
past the last village. We had to leave the car at the little car park by the chapel
and walk the final stretch with head torches, pulling the groceries on a plastic sled
that the owner leaves for guests. The snow squeaked under our boots, which only happens
when it is properly cold, and when we stopped to catch our breath it was so quiet that
I could hear my own heartbeat. Inside the hut: a wood stove, two narrow bunks, a table
with a checked cloth, a shelf of old paperbacks and board games, and a window facing
east towards the ridge. It took forty minutes to get the stove going and the room
warm. Dinner was pasta with a jar of pesto and a lot of parmesan, eaten in our coats,
and it was the best meal I have had in months.

## Saturday: the ridge

I woke at half past six because the light on the ceiling had changed colour. Outside,
the sky was completely clear and the whole range was lit pink at the top, the peaks
sharp and white against a deep blue sky, with the valley still in shadow below. I
stood on the doorstep in my socks and a blanket until my toes hurt. Sam made porridge
with brown sugar and we drank coffee from the enamel mugs while the sun came up over
the ridge and the frost on the window melted in little stripes.

We set off on the snowshoes at nine. The plan was the circuit marked on the map in the
hut: up through the forest to the frozen lake, along the shoulder of the ridge to the
viewpoint, and back down the long valley. Neither of us had used snowshoes before and
the first twenty minutes were comical. You have to walk with your feet slightly apart,
like a cowboy, and if you forget, you step on your own snowshoe and fall face first into
the powder. I did this twice; Sam once, very gracefully. After a while it becomes a
rhythm: lift, step, plant the poles, breathe. The forest trail was steep but sheltered,
and the snow under the trees was soft and blue in the shade. We saw hare tracks
everywhere, and once, quite close, a red squirrel that stopped and stared at us before
vanishing up a larch.

The lake was completely frozen and covered with snow, so the only way to tell it was a
lake at all was the perfectly flat white circle surrounded by trees. A sign warned not
to walk on it, which we obeyed. We ate our sandwiches on a rock at the edge, out of the
wind, and drank hot tea from the flask. Above the lake the trees thin out and the trail
follows the shoulder of the ridge, and this was the part I will remember. The wind had
carved the snow into ripples and little waves that crunched like meringue, and the view
opened up in every direction: range after range of snowy peaks, each one paler than the
last, until the farthest ones were almost the same colour as the sky. I took far too
many photos from the viewpoint. None of them look anything like it felt to be there.

The wind at the top was savage, though, and after ten minutes we could no longer feel
our fingers, so we dropped down into the valley on the far side. The descent was the
most fun part: deep powder, long strides, half walking and half sliding. About
halfway down we met an old man coming up with a pair of wooden skis over his shoulder,
who told us that the valley had not had this much snow in eleven years. He also told
us, with some satisfaction, that we were doing it wrong, and showed Sam how to loosen
the heel bindings for going downhill.

We got back to the hut at three, soaked and exhausted. The rest of the afternoon was
spent hanging wet socks above the stove, playing a very competitive game of cards,
and reading. I found a battered field guide to alpine flowers on the shelf and spent
an hour reading about plants that will not be visible for four more months. For
dinner we made a big pot of chili with rice and ate it by candlelight, because the
solar lamp had given up.

Before dinner Sam insisted that we earn our supper by splitting firewood for the
morning. There is a chopping block behind the hut under a little lean-to roof, and an
old axe with a handle worn smooth by years of other people's hands. Sam turned out to
be a natural; I needed four swings for every log, and one of them bounced off and
landed in a snowdrift that we had to dig through with our hands. By the time the wood
box was full, the light had gone from the valley and only the very tops of the peaks
were still catching the last of the sun, glowing for a minute and then fading to grey
one after the other, like lamps being switched off. The temperature dropped fast. The
snow on the path froze into a hard crust, and the air smelled of woodsmoke and pine
resin. I remember thinking that I could not recall the last time I had spent a whole
day without looking at a screen, and that I had not missed it once.

## Saturday night: stars

Around ten we went outside to look at the sky. I have never seen stars like it. With no
moon and no town for thirty kilometres, the Milky Way was a clear pale band from one
side of the valley to the other, and there were so many stars that the familiar
constellations were hard to pick out among them. Sam found Orion and the Pleiades; I
found what I am almost certain was a satellite, moving steadily across the sky without
blinking. It was minus fourteen. We lasted about fifteen minutes, standing in the snow
with our heads tipped back, before the cold won and we went back in to the stove.

## Sunday: going home

Sunday was grey and soft, with low cloud sitting on the peaks and a little fresh
snow falling. We were both stiff from the snowshoeing, in muscles I did not know I had.
We swept out the hut, restocked the firewood box for the next guests, signed the
guestbook (the entry before ours was a family who had seen a fox every night) and
pulled the sled back down to the car. The car needed twenty minutes of scraping and
the engine took three tries to start, which made for a tense moment.

On the drive home we stopped at a small bakery in the village for cinnamon buns and
coffee, and the woman behind the counter asked if we had been up at the hut. When we
said yes she said, "Then you had the best weekend of the winter", and I think she was
right. Coming down the hairpins the snow turned back into rain, the radio came back, the
phones started buzzing with messages, and the ordinary week rushed back in.

## Things to remember for next time

- Bring a proper thermos each; one flask was not enough.
- Waterproof mittens, not gloves. Spare dry socks in a plastic bag in the rucksack.
- The stove needs small dry kindling to start: bring a bag of it from home.
- Snowshoes: walk with your feet apart, loosen the heel on descents.
- Leave the phone in the car. I barely missed it.
- Book the hut again for early March, before the snow melts, and this time stay
  three nights instead of two.

It is strange how two days can feel longer than a month of ordinary weeks. I came back
tired, sunburnt on the nose, with sore legs and a head that feels completely rinsed
out. I want to remember this feeling the next time I am sitting at my desk on a grey
Tuesday, wondering why I never go anywhere.
EOF

cat > "$N/anniversaire-mamie.fr.md" <<'EOF'
# Les 80 ans de Mamie — idées et organisation

Fête prévue le samedi 10 octobre 2026, chez tante Hélène, vers midi.

## Idées de cadeau
- un album photo avec des photos de toute la famille, des années 60 jusqu'à aujourd'hui
- une orchidée blanche (elle adore les fleurs, mais pas les bouquets qui fanent)
- un week-end à la mer avec Papi, si tout le monde participe
- un livre de mots croisés en gros caractères

## À faire
- [ ] appeler les cousins pour la cagnotte (avant le 15 septembre)
- [ ] commander le gâteau : forêt-noire, son préféré, pour 20 personnes
- [ ] scanner les vieilles photos chez Maman
- [ ] préparer un petit discours — court ! — et une chanson avec les enfants

Surtout : garder la surprise. Ne rien dire à Papi, il ne sait pas garder un secret.
EOF

cat > "$N/plant-watering-schedule.md" <<'EOF'
# 🪴 Houseplant watering schedule 💧

| plant                        | where              | water                 | notes |
|------------------------------|--------------------|-----------------------|-------|
| 🌿 Monstera deliciosa         | living room corner | every 7 days          | wipe the leaves ✨ |
| 🌵 cactus (trio)              | kitchen windowsill | every 3 weeks         | less in winter ❄️ |
| 🌱 basil & mint               | balcony            | every 2 days          | pinch off flowers 🌸 |
| 🌳 Ficus lyrata (« violon »)  | bedroom            | every 10 days         | hates being moved 😤 |
| 🪻 orchid (Phalaenopsis)      | bathroom           | soak 10 min, weekly   | ice-cube trick = ❌ |
| 🎍 bonsai (盆栽, juniper)      | desk               | when topsoil is dry   | mist daily 🌫️ |

Rules: finger test first ☝️ — if the soil is damp 2 cm down, skip it. Use rain water
or water that has stood overnight. Fertilise once a month from March to September.

Status: 👩‍🌾 → repotted the Monstera ✅ · bought a moisture meter ✅ · ficus has one
brown leaf 🤞 · Zoë next door waters them when we are away (merci, Zoë! 🙏)
EOF

cat > "$N/bike-flat-tyre-repair.txt" <<'EOF'
Fixed the flat tyre on the bike (rear wheel)

What happened: the rear tyre went completely flat overnight. Found a small thorn
stuck through the tread, about a hand's width from the valve.

Steps, for next time:
1. Shift to the smallest rear cog, open the brake quick-release, take the wheel out.
2. Lever the tyre off one side with two tyre levers. Pull the inner tube out.
3. Pump a little air in and listen / feel for the hiss. Mark the hole.
4. Run a finger carefully around the inside of the tyre to find the thorn. Remove it!
   (Otherwise the new tube punctures again immediately.)
5. Roughen the area with the sandpaper, thin layer of rubber cement, wait 3 minutes,
   press the patch on firmly for a minute.
6. Refit the tube and the tyre, check the tube isn't pinched, inflate to 60 psi.
7. Wheel back in, close the brake quick-release, spin it to check it runs true.

Took 25 minutes. Buy a spare inner tube (700x32c, Presta valve) and more patches.
EOF

###############################################################################
# 2. photos/  (procedural drawings; EXIF DateTimeOriginal set; one EXIF-rotated)
###############################################################################
"$PYTHON" - "$OUT/photos" <<'PY'
import math, os, sys
import numpy as np
from PIL import Image, ImageDraw, ImageFilter

OUTDIR = sys.argv[1]
W, H = 640, 480

def vgrad(w, h, stops):
    """Vertical gradient; stops = [(pos 0..1, (r,g,b)), ...] -> float array (h, w, 3)."""
    pos = np.array([s[0] for s in stops]); cols = np.array([s[1] for s in stops], float)
    y = np.linspace(0, 1, h)
    col = np.stack([np.interp(y, pos, cols[:, c]) for c in range(3)], axis=1)
    return np.repeat(col[:, None, :], w, axis=1)

def to_img(a):
    return Image.fromarray(np.clip(a, 0, 255).astype(np.uint8), "RGB")

def grain(a, rng, amount):
    return a + rng.normal(0, amount, a.shape[:2])[..., None]

def ridge(rng, w, base, rough, n_oct=6):
    """1-D fractal ridge line (y per x) via summed random cosines."""
    x = np.arange(w, dtype=float); y = np.full(w, float(base))
    amp = rough
    for o in range(n_oct):
        f = (2 ** o) / w * 2 * math.pi
        y += amp * np.cos(f * x * rng.uniform(0.8, 1.3) + rng.uniform(0, 2 * math.pi))
        amp *= 0.5
    return y

def save_jpeg(img, name, date, orientation=None):
    exif = Image.Exif()
    exif[0x0131] = "augmem assets/make_samples.sh"   # Software
    exif[0x0132] = date                               # DateTime
    if orientation is not None:
        exif[0x0112] = orientation                    # Orientation
    ifd = exif.get_ifd(0x8769)                        # Exif sub-IFD
    ifd[36867] = date                                 # DateTimeOriginal
    ifd[36868] = date                                 # DateTimeDigitized
    img.save(os.path.join(OUTDIR, name), "JPEG", quality=85, optimize=True, exif=exif.tobytes())

# --- 1. sunset over the sea -------------------------------------------------
def sunset():
    rng = np.random.default_rng(1)
    hz = 300
    a = vgrad(W, H, [(0, (48, 22, 82)), (0.28, (120, 40, 120)), (0.48, (226, 90, 96)),
                     (hz / H, (255, 160, 60)), (hz / H + 0.001, (70, 40, 100)), (1, (18, 14, 48))])
    yy, xx = np.mgrid[0:H, 0:W]
    sx, sy, r = 320, 268, 52
    d = np.hypot(xx - sx, yy - sy)
    sky = yy < hz
    glow = np.clip(1 - d / 260, 0, 1) ** 2
    a[sky] += (glow[sky, None] * np.array([90, 60, 10]))
    disc = (d < r) & sky
    a[disc] = np.array([255, 214, 110]) * 1.0
    img = to_img(grain(a, rng, 2.0))
    dr = ImageDraw.Draw(img)
    # thin clouds crossing the sky
    for cy, cx, cw in [(150, 180, 220), (175, 470, 180), (120, 520, 140), (210, 110, 160)]:
        dr.rounded_rectangle([cx - cw // 2, cy, cx + cw // 2, cy + 7], 3, fill=(150, 60, 110))
    # sun reflection on the water: broken orange streaks, narrower further down
    for row in range(hz + 4, H, 7):
        t = (row - hz) / (H - hz)
        half = int(70 * (1 - 0.6 * t))
        for _ in range(3):
            x0 = sx + int(rng.integers(-half, half)); ln = int(rng.integers(10, 40))
            shade = (255, int(150 - 60 * t), int(60 + 20 * t))
            dr.line([x0, row, x0 + ln, row], fill=shade, width=2)
    # distant gull-ish birds
    for bx, by in [(430, 190), (455, 178), (470, 200)]:
        dr.arc([bx - 8, by - 4, bx, by + 4], 200, 340, fill=(40, 20, 50), width=2)
        dr.arc([bx, by - 4, bx + 8, by + 4], 200, 340, fill=(40, 20, 50), width=2)
    return img.filter(ImageFilter.SMOOTH)

# --- 2. park with trees and a brown dog ---------------------------------------
def park():
    rng = np.random.default_rng(2)
    a = vgrad(W, H, [(0, (120, 175, 235)), (0.42, (200, 225, 245)), (0.43, (96, 160, 70)), (1, (58, 125, 45))])
    a[int(0.43 * H):] = grain(a[int(0.43 * H):], rng, 7)
    img = to_img(a)
    dr = ImageDraw.Draw(img)
    # distant tree line
    for x in range(-20, W + 20, 22):
        r = int(rng.integers(16, 28))
        dr.ellipse([x - r, 200 - r, x + r, 206 + r // 2], fill=(70, 120, 60))
    dr.rectangle([0, 206, W, 212], fill=(85, 140, 62))
    # gravel path curving to the front
    dr.polygon([(300, 212), (330, 212), (470, 480), (250, 480)], fill=(196, 176, 132))
    # three big trees
    for tx, scale in [(110, 1.25), (520, 1.05), (600, 0.8)]:
        th = int(150 * scale); tw = int(22 * scale)
        base = 330 + int(20 * scale)
        dr.rectangle([tx - tw // 2, base - th, tx + tw // 2, base], fill=(92, 60, 34))
        cx, cy = tx, base - th - int(20 * scale)
        for i in range(14):
            ox = rng.normal(0, 45 * scale); oy = rng.normal(0, 32 * scale)
            rr = rng.uniform(30, 48) * scale
            g = int(rng.integers(95, 150))
            dr.ellipse([cx + ox - rr, cy + oy - rr, cx + ox + rr, cy + oy + rr], fill=(34, g, 40))
    # a grey squirrel on the big tree's trunk
    dr.ellipse([118, 262, 134, 286], fill=(128, 124, 118))
    dr.ellipse([120, 254, 132, 266], fill=(128, 124, 118))
    dr.arc([124, 236, 152, 290], 270, 90, fill=(128, 124, 118), width=6)
    # bench
    dr.rectangle([360, 300, 440, 306], fill=(110, 75, 45)); dr.rectangle([360, 288, 440, 293], fill=(110, 75, 45))
    dr.rectangle([366, 306, 370, 322], fill=(50, 50, 50)); dr.rectangle([430, 306, 434, 322], fill=(50, 50, 50))
    # brown dog standing on the grass, facing left, tail up, barking
    dog = (122, 74, 36); dark = (84, 50, 24)
    dr.ellipse([220, 360, 330, 410], fill=dog)                    # body
    for lx in (228, 248, 294, 314):                               # legs
        dr.rounded_rectangle([lx, 395, lx + 12, 448], 4, fill=dog)
    dr.polygon([(226, 390), (258, 376), (222, 328), (194, 344)], fill=dog)  # neck
    dr.ellipse([180, 318, 228, 358], fill=dog)                    # head
    dr.polygon([(186, 336), (154, 342), (156, 354), (192, 352)], fill=dog)  # snout
    dr.ellipse([150, 340, 160, 349], fill=(20, 15, 12))           # nose
    dr.polygon([(214, 320), (232, 314), (226, 346)], fill=dark)   # ear
    dr.ellipse([196, 330, 203, 337], fill=(15, 10, 8))            # eye
    dr.line([(326, 376), (344, 350), (352, 326)], fill=dog, width=9)  # raised tail
    dr.ellipse([222, 440, 332, 456], fill=(45, 95, 35))           # shadow
    for i in range(3):                                            # bark lines
        dr.arc([118 - 10 * i, 322 - 10 * i, 150 + 10 * i, 362 + 10 * i], 150, 210, fill=(255, 255, 255), width=2)
    return img

# --- 3. snowy mountain range (stored rotated, EXIF Orientation=6) -----------------
def mountains():
    rng = np.random.default_rng(3)
    a = vgrad(W, H, [(0, (46, 104, 186)), (0.6, (170, 205, 238)), (1, (215, 230, 245))])
    yy, xx = np.mgrid[0:H, 0:W]
    layers = [  # (base y, roughness, rock colour, snowline offset)
        (200, 70, (150, 165, 190), 60),
        (260, 80, (95, 105, 125), 45),
        (330, 60, (70, 78, 95), 30),
    ]
    for base, rough, rock, snow_off in layers:
        rl = ridge(rng, W, base, rough)
        k = np.hanning(41); k /= k.sum()                         # smooth slope -> broad facets
        sm = np.convolve(np.pad(np.gradient(rl), 20, mode="edge"), k, mode="valid")
        slope = sm[None, :].repeat(H, 0)
        inside = yy > rl[None, :]
        snowline = rl.min() + snow_off + 40 + 18 * np.sin(xx / 23.0) + rng.normal(0, 3, (H, W))
        snow = inside & ((yy < snowline) | (yy < rl[None, :] + 10))
        rockm = inside & ~snow
        lit = (0.9 - 0.12 * np.tanh(slope * 1.5))[..., None]     # sun from the left
        a[rockm] = (np.array(rock) * lit)[rockm]
        a[snow] = (np.array([250, 252, 255]) * (lit + 0.08))[snow]
    # snowy foreground meadow
    fg = yy > 400 + 6 * np.sin(xx / 40.0)
    a[fg] = np.array([236, 242, 250])
    img = to_img(grain(a, rng, 2.0))
    dr = ImageDraw.Draw(img)
    for px, sz in [(40, 1.2), (85, 0.9), (560, 1.3), (610, 1.0), (515, 0.8)]:  # pines
        bottom = 440
        for k in range(4):
            w = (38 - 7 * k) * sz; top = bottom - (40 + 20 * k) * sz
            yb = bottom - 16 * k * sz
            dr.polygon([(px - w, yb), (px + w, yb), (px, top)], fill=(24, 70, 44))
            dr.line([(px - w * 0.7, yb - 3), (px, top + 6)], fill=(235, 240, 248), width=2)
        dr.rectangle([px - 4 * sz, bottom, px + 4 * sz, bottom + 12 * sz], fill=(70, 45, 30))
    return img.filter(ImageFilter.SMOOTH)

# --- 4. red apple on a wooden table --------------------------------------------
def apple():
    rng = np.random.default_rng(4)
    a = vgrad(W, H, [(0, (236, 222, 196)), (0.55, (214, 196, 166)), (0.551, (150, 96, 54)), (1, (118, 72, 38))])
    yy, xx = np.mgrid[0:H, 0:W]
    table = yy >= int(0.551 * H)
    grainlines = np.sin(yy / 3.0 + 6 * np.sin(xx / 90.0 + yy / 40.0)) * 10
    a[table] += grainlines[table, None] * np.array([1.0, 0.7, 0.4])
    # shadow
    sh = ((xx - 345) / 150.0) ** 2 + ((yy - 372) / 26.0) ** 2 < 1
    a[sh] *= 0.62
    # apple body: union of two circles, shaded like a sphere lit from upper-left
    cx, cy, R = 320, 262, 118
    c1 = np.hypot(xx - (cx - 42), yy - cy) < R * 0.82
    c2 = np.hypot(xx - (cx + 42), yy - cy) < R * 0.82
    c3 = np.hypot((xx - cx) / 1.05, yy - (cy + 22)) < R * 0.86
    body = (c1 | c2 | c3) & ~(np.hypot(xx - cx, yy - (cy - 118)) < 34)
    nx, ny = (xx - cx) / R, (yy - cy) / R
    nz = np.sqrt(np.clip(1 - nx ** 2 - ny ** 2, 0, 1))
    light = np.clip(-0.5 * nx - 0.6 * ny + 0.62 * nz, 0, 1)
    red = np.stack([120 + 120 * light, 10 + 22 * light, 16 + 20 * light], -1)
    stripes = (np.sin(xx / 7.0 + np.sin(yy / 30.0) * 3) > 0.6) & (light < 0.8)
    red[stripes] *= np.array([0.88, 1.05, 1.0])
    a[body] = red[body]
    spec = ((xx - (cx - 52)) / 26.0) ** 2 + ((yy - (cy - 46)) / 16.0) ** 2 < 1
    a[spec & body] = a[spec & body] * 0.35 + 255 * 0.65
    img = to_img(grain(a, rng, 1.5))
    dr = ImageDraw.Draw(img)
    dr.line([(cx + 2, cy - 98), (cx + 12, cy - 150)], fill=(86, 56, 26), width=8)     # stem
    dr.polygon([(cx + 12, cy - 132), (cx + 50, cy - 164), (cx + 92, cy - 150),
                (cx + 54, cy - 120)], fill=(70, 140, 40))                               # leaf
    dr.line([(cx + 14, cy - 133), (cx + 86, cy - 150)], fill=(50, 100, 30), width=2)
    return img.filter(ImageFilter.SMOOTH)

# --- 5. city skyline at night ----------------------------------------------------
def skyline():
    rng = np.random.default_rng(5)
    a = vgrad(W, H, [(0, (4, 8, 30)), (0.7, (26, 30, 72)), (0.9, (60, 44, 80)), (1, (20, 18, 30))])
    img = to_img(a)
    dr = ImageDraw.Draw(img)
    for _ in range(120):  # stars
        x, y = int(rng.integers(0, W)), int(rng.integers(0, 230))
        b = int(rng.integers(140, 255)); dr.point((x, y), fill=(b, b, b))
    dr.ellipse([500, 50, 560, 110], fill=(240, 236, 210))      # crescent moon
    dr.ellipse([515, 42, 575, 102], fill=(6, 10, 34))
    x = 0
    while x < W:
        bw = int(rng.integers(40, 90)); bh = int(rng.integers(120, 330))
        top = 450 - bh; shade = int(rng.integers(16, 34))
        dr.rectangle([x, top, x + bw, 450], fill=(shade, shade + 2, shade + 14))
        if rng.random() < 0.3:
            dr.line([(x + bw // 2, top), (x + bw // 2, top - 30)], fill=(60, 60, 70), width=2)
            dr.ellipse([x + bw // 2 - 2, top - 33, x + bw // 2 + 2, top - 29], fill=(255, 40, 40))
        for wy in range(top + 8, 440, 14):
            for wx in range(x + 6, x + bw - 8, 11):
                lit = rng.random() < 0.38
                col = (255, int(rng.integers(200, 235)), 120) if lit else (38, 40, 58)
                dr.rectangle([wx, wy, wx + 5, wy + 7], fill=col)
        x += bw + int(rng.integers(0, 6))
    dr.rectangle([0, 450, W, H], fill=(10, 10, 16))             # street
    for lx in range(20, W, 80):                                  # street lamps
        dr.ellipse([lx - 3, 452, lx + 3, 458], fill=(255, 210, 120))
    return img

# --- 6. beach with a striped umbrella ---------------------------------------------
def beach():
    rng = np.random.default_rng(6)
    a = vgrad(W, H, [(0, (60, 140, 220)), (0.4, (150, 205, 240)), (0.401, (20, 120, 160)),
                     (0.55, (60, 180, 190)), (0.551, (236, 218, 168)), (1, (222, 196, 140))])
    sand = slice(int(0.551 * H), H)
    a[sand] = grain(a[sand], rng, 6)
    img = to_img(a)
    dr = ImageDraw.Draw(img)
    dr.ellipse([520, 30, 590, 100], fill=(255, 244, 180))                     # sun
    for cx, cy in [(140, 70), (330, 110)]:                                    # clouds
        for ox, oy, r in [(-40, 8, 24), (-12, -6, 32), (22, 4, 26), (48, 10, 18)]:
            dr.ellipse([cx + ox - r, cy + oy - r, cx + ox + r, cy + oy + r], fill=(250, 252, 255))
    for k, y in enumerate([205, 228, 252]):                                   # waves/foam
        for x0 in range(-30, W, 60):
            dr.arc([x0 + 15 * k, y - 6, x0 + 15 * k + 40, y + 6], 200, 340, fill=(235, 250, 250), width=2)
    dr.line([(0, 264), (W, 264)], fill=(250, 250, 245), width=3)              # shoreline foam
    # umbrella: pole + red/white striped canopy (eight alternating segments)
    px, py = 250, 215
    dr.line([(px, py), (px + 12, 420)], fill=(90, 90, 90), width=6)
    box = [px - 130, py - 60, px + 130, py + 60]
    for i in range(8):                     # angles 180..360 = upper half of the ellipse
        s = 180 + i * 22.5
        dr.pieslice(box, s, s + 22.5, fill=(214, 30, 40) if i % 2 == 0 else (250, 250, 250))
    dr.ellipse([px + 4, 412, px + 20, 424], fill=(180, 160, 110))              # pole in sand
    dr.ellipse([px - 150, 410, px + 170, 450], fill=(200, 176, 120))          # umbrella shade
    # striped towel and a beach ball
    dr.polygon([(330, 360), (500, 350), (520, 420), (345, 432)], fill=(40, 110, 200))
    for t in (0.25, 0.5, 0.75):
        dr.line([(330 + 170 * t, 360 - 10 * t), (345 + 175 * t, 432 - 12 * t)], fill=(250, 220, 60), width=6)
    dr.ellipse([540, 380, 580, 420], fill=(250, 250, 250))
    dr.pieslice([540, 380, 580, 420], 0, 120, fill=(230, 50, 50))
    dr.pieslice([540, 380, 580, 420], 120, 240, fill=(40, 120, 220))
    return img

# --- 7. acoustic guitar (PNG, no EXIF) --------------------------------------------
def guitar():
    S = 512
    img = Image.new("RGB", (S, S), (232, 226, 214))
    dr = ImageDraw.Draw(img)
    wood, edge, neck = (206, 140, 70), (120, 70, 30), (92, 54, 28)
    cx = S // 2
    dr.ellipse([cx - 118, 290, cx + 118, 500], fill=edge)        # lower bout outline
    dr.ellipse([cx - 92, 170, cx + 92, 330], fill=edge)          # upper bout outline
    dr.rectangle([cx - 84, 262, cx + 84, 352], fill=edge)
    dr.ellipse([cx - 112, 296, cx + 112, 494], fill=wood)
    dr.ellipse([cx - 86, 176, cx + 86, 324], fill=wood)
    dr.rectangle([cx - 78, 262, cx + 78, 352], fill=wood)
    dr.ellipse([cx - 40, 238, cx + 40, 318], fill=(150, 90, 40))  # rosette
    dr.ellipse([cx - 32, 246, cx + 32, 310], fill=(25, 18, 12))   # sound hole
    dr.rectangle([cx - 22, 40, cx + 22, 236], fill=neck)          # neck
    for fy in range(62, 236, 19):                                 # frets
        dr.line([(cx - 22, fy), (cx + 22, fy)], fill=(200, 200, 205), width=2)
    for fy in (109, 147, 185):                                    # fret markers
        dr.ellipse([cx - 4, fy - 4, cx + 4, fy + 4], fill=(235, 230, 220))
    dr.polygon([(cx - 30, 4), (cx + 30, 4), (cx + 24, 52), (cx - 24, 52)], fill=(60, 34, 16))  # headstock
    for k in range(3):                                            # tuning pegs
        y = 14 + 14 * k
        dr.ellipse([cx - 44, y - 5, cx - 30, y + 5], fill=(215, 215, 220))
        dr.ellipse([cx + 30, y - 5, cx + 44, y + 5], fill=(215, 215, 220))
    dr.rectangle([cx - 48, 400, cx + 48, 414], fill=(60, 34, 16))  # bridge
    for i in range(6):                                            # strings
        x = cx - 15 + 6 * i
        dr.line([(x, 40), (x, 406)], fill=(228, 228, 232), width=1)
    return img

os.makedirs(OUTDIR, exist_ok=True)
save_jpeg(sunset(), "sunset_over_sea.jpg", "2026:07:21 20:52:10")
save_jpeg(park(), "park_with_brown_dog.jpg", "2026:04:12 09:41:17")
upright = mountains()
stored = upright.transpose(Image.Transpose.ROTATE_90)   # pixels stored rotated 90° CCW ...
save_jpeg(stored, "snowy_mountains.jpg", "2026:02:14 11:03:52", orientation=6)  # ... viewer rotates 90° CW
save_jpeg(apple(), "red_apple_on_table.jpg", "2026:03:03 16:20:05")
save_jpeg(skyline(), "city_skyline_at_night.jpg", "2026:09:18 21:37:44")
save_jpeg(beach(), "beach_with_umbrella.jpg", "2026:07:19 13:05:30")
guitar().save(os.path.join(OUTDIR, "acoustic_guitar.png"), "PNG", optimize=True)
PY

###############################################################################
# 3. audio/  (espeak-ng speech + SoX synthesis; mono, 16-bit, 32 kHz)
###############################################################################
A="$OUT/audio"
SOX=(sox -R -D -V1)          # repeatable (fixed seeds), no dither, quiet
FMT=(-r 32000 -c 1 -b 16)
COMMENT=(--comment "augmem sample memory - original work, CC0 1.0")

speak() {  # speak OUTFILE "text"
  espeak-ng -v en-us -s 150 -p 45 -w "$TMP/tts.wav" "$2"
  "${SOX[@]}" "$TMP/tts.wav" "${COMMENT[@]}" "${FMT[@]}" "$1" rate -v 32000 pad 0.3 0.5 norm -3
}
speak "$A/reminder_buy_milk_and_eggs.wav" "Remember to buy milk and eggs on the way home."
speak "$A/dog_barking_at_the_park.wav"    "The dog was barking at the park this morning."
speak "$A/meeting_moved_to_thursday.flac" "Heads up: the budget meeting has been moved to Thursday at three."

# Doorbell: two-tone "ding-dong" chime (E5 then C5, each with an octave partial, decaying)
"${SOX[@]}" -n "${FMT[@]}" "$TMP/ding.wav" synth 1.4 sine 659.25 sine 1318.5 remix - fade l 0.005 1.4 1.35 vol 0.5
"${SOX[@]}" -n "${FMT[@]}" "$TMP/dong.wav" synth 1.8 sine 523.25 sine 1046.5 remix - fade l 0.005 1.8 1.75 vol 0.5 pad 0.6
"${SOX[@]}" -m "$TMP/ding.wav" "$TMP/dong.wav" "${FMT[@]}" "$A/doorbell_chime.wav" reverb 30 pad 0.1 0.3 norm -3

# Rain: filtered pink + brown noise with slow swells (steady rain against a window)
"${SOX[@]}" -n "${FMT[@]}" "$TMP/rain1.wav" synth 6 pinknoise highpass 400 lowpass 6000 tremolo 0.25 25
"${SOX[@]}" -n "${FMT[@]}" "$TMP/rain2.wav" synth 6 brownnoise lowpass 900 vol 0.6
"${SOX[@]}" -m "$TMP/rain1.wav" "$TMP/rain2.wav" "${COMMENT[@]}" "${FMT[@]}" -C 3 "$A/rain_on_window.ogg" fade h 0.8 6 1.2 norm -6

# Tuning tone: pure 440 Hz A (concert pitch), 3 s
"${SOX[@]}" -n "${COMMENT[@]}" "${FMT[@]}" "$A/tuning_tone_a440.wav" synth 3 sine 440 fade h 0.05 3 0.3 vol 0.5

# Guitar: strummed open G major chord (G2 B2 D3 G3 B3 G4), plucked-string synthesis
"${SOX[@]}" -n -r 32000 -b 16 -c 6 "$TMP/strum.wav" synth 3.5 pluck G2 pluck B2 pluck D3 pluck G3 pluck B3 pluck G4 \
  delay 0 0.04 0.08 0.12 0.16 0.2
"${SOX[@]}" "$TMP/strum.wav" "${COMMENT[@]}" "${FMT[@]}" "$A/guitar_strum_g_chord.flac" remix - fade 0 3.5 0.4 norm -3

###############################################################################
# 4. LICENSE.txt and README.md
###############################################################################
cat > "$OUT/LICENSE.txt" <<'EOF'
augmem sample memories (assets/samples/) — licence
==================================================

Every file in this directory (notes/, photos/, audio/) is an original work created by
the augmem authors, generated from scratch by assets/make_samples.sh:

  * notes   — text written by the augmem authors for this purpose;
  * photos  — images drawn procedurally with Pillow and numpy (no photographs,
              no third-party artwork);
  * audio   — speech synthesised with espeak-ng from the authors' own sentences,
              and sounds synthesised with SoX (sine, pluck and noise generators).

To the extent possible under law, the augmem authors have dedicated all copyright
and related and neighbouring rights to these files to the public domain worldwide,
under the Creative Commons CC0 1.0 Universal Public Domain Dedication. They are
distributed without any warranty.

Full text of CC0 1.0: https://creativecommons.org/publicdomain/zero/1.0/legalcode

The one exception to authorship is the short quotation in notes/book-quote-walden.txt,
from Henry David Thoreau, "Walden" (1854), which is itself in the public domain.
EOF

ver() { "$@" 2>&1 | head -n1 | tr -s ' ' | sed 's/^ //'; }
PIL_V="$("$PYTHON" -c 'import PIL, numpy; print(f"Pillow {PIL.__version__}, numpy {numpy.__version__}")')"
ESPEAK_V="$(ver espeak-ng --version)"
SOX_V="$(ver sox --version)"

cat > "$OUT/README.md" <<'EOF'
# augmem sample memories

A small, coherent slice of one (fictional) person's 2026: notes, photos and voice/sound
clips that reference each other, so `augmem demo` and the tests can show cross-modal
recall (e.g. `augmem recall "dog barking at park"` should find the park note, the park
photo and the spoken clip). Everything here is original and CC0 — see `LICENSE.txt`.
Regenerate with `assets/make_samples.sh` (deterministic; do not edit these files by hand).

The "what it is" column is the ground truth used by the tests and the demo. The
"captured" column is the EXIF `DateTimeOriginal` (tag 36867, verbatim) for photos that
have one, otherwise `mtime` (the file's modification time; the generator sets it to a
plausible date, but git does not preserve mtimes, so do not rely on it).

| file | modality | what it is | captured |
|------|----------|------------|----------|
| notes/2026-04-12-walk-in-the-park.md | text | Sunday morning walk in Alder Park with Biscuit, a brown terrier mix, who barked non-stop at two grey squirrels in the oak by the pond | mtime |
| notes/lentil-soup-recipe.md | text | Recipe for red lentil soup (onion, carrot, garlic, cumin, tomato paste, vegetable stock, lemon), serves 4 | mtime |
| notes/2026-06-30-q3-budget-meeting.md | text | Meeting notes from the Q3 budget review: 184,000 budget approved, cloud overrun, marketing cut 10%, hiring freeze, follow-up moved to Thursday at 3 pm | mtime |
| notes/book-quote-walden.txt | text | Book quote from Thoreau's "Walden" about living deliberately ("I went to the woods because I wished to live deliberately..."), with a short reflection | mtime |
| notes/beach-trip-packing-list.md | text | Packing checklist for a beach trip on 18–25 July 2026 (sunscreen, striped beach umbrella, towels, swimsuits, snorkel) | mtime |
| notes/call-the-dentist.txt | text | Reminder to call Dr. Okafor's dental practice to reschedule a cleaning and mention a sensitive molar | mtime |
| notes/guitar-chords-practice.md | text | Practice log for learning acoustic guitar: open chords G, C, D, Em, Am, strumming pattern, tuning to 440 Hz | mtime |
| notes/grocery-list.txt | text | Grocery shopping list: milk, eggs, yoghurt, apples, bananas, spinach, sourdough, coffee, household items | mtime |
| notes/2026-02-15-mountain-weekend-journal.md | text | Long (~1,500-word) journal entry about a snowy weekend in a mountain hut: snowshoeing to a frozen lake and a ridge viewpoint, stars at night, drive home | mtime |
| notes/anniversaire-mamie.fr.md | text | Note in French: planning grandma's 80th birthday party (gift ideas, black-forest cake, surprise) | mtime |
| notes/plant-watering-schedule.md | text | Houseplant watering schedule full of emoji and other unicode (Monstera, cactus, basil, ficus, orchid, 盆栽 bonsai) | mtime |
| notes/bike-flat-tyre-repair.txt | text | Step-by-step notes on fixing a flat rear bicycle tyre caused by a thorn (patching the inner tube) | mtime |
| photos/sunset_over_sea.jpg | image | Sunset over the sea: purple-to-orange sky, a large yellow-orange sun disc on the horizon, orange reflections on dark water, a few birds | 2026:07:21 20:52:10 |
| photos/park_with_brown_dog.jpg | image | Green park on a sunny day: trees, a gravel path, a bench, a brown dog barking on the grass and a grey squirrel on a tree trunk | 2026:04:12 09:41:17 |
| photos/snowy_mountains.jpg | image | Snowy mountain range under a blue sky, three ridges with white snow caps, snowy foreground with pine trees. **EXIF Orientation = 6**: pixels are stored rotated 90° counter-clockwise (480×640); displayed upright (640×480, sky at the top) after applying the orientation | 2026:02:14 11:03:52 |
| photos/red_apple_on_table.jpg | image | A single shiny red apple with a stem and green leaf on a wooden table against a beige wall | 2026:03:03 16:20:05 |
| photos/city_skyline_at_night.jpg | image | City skyline at night: dark tower blocks with lit yellow windows, stars and a crescent moon in a navy sky | 2026:09:18 21:37:44 |
| photos/beach_with_umbrella.jpg | image | Sunny beach: red-and-white striped beach umbrella on the sand, blue towel, beach ball, turquoise sea, blue sky with clouds and sun | 2026:07:19 13:05:30 |
| photos/acoustic_guitar.png | image | Drawing of an acoustic guitar (wooden body, sound hole, neck with frets, six strings) on a plain light background; PNG with no EXIF | mtime |
| audio/reminder_buy_milk_and_eggs.wav | audio (speech) | Synthetic voice saying: "Remember to buy milk and eggs on the way home." | mtime |
| audio/dog_barking_at_the_park.wav | audio (speech) | Synthetic voice saying: "The dog was barking at the park this morning." | mtime |
| audio/meeting_moved_to_thursday.flac | audio (speech) | Synthetic voice saying: "Heads up: the budget meeting has been moved to Thursday at three." | mtime |
| audio/doorbell_chime.wav | audio (sound) | Doorbell: a two-tone "ding-dong" chime (E5 then C5), no speech | mtime |
| audio/rain_on_window.ogg | audio (sound) | Rain-like steady noise (filtered pink + brown noise), like rain on a window, no speech | mtime |
| audio/tuning_tone_a440.wav | audio (sound) | Pure 440 Hz sine tuning tone (concert A) for tuning a guitar, no speech | mtime |
| audio/guitar_strum_g_chord.flac | audio (sound) | A plucked-string guitar strum of an open G major chord, no speech | mtime |

## Format details

- Notes: UTF-8, LF line endings; Markdown (`.md`) or plain text (`.txt`).
- Photos: 640×480 (the EXIF-rotated one is stored 480×640), JPEG quality 85 with an EXIF
  block (`DateTimeOriginal` 36867, `DateTimeDigitized` 36868, `DateTime` 306, `Software`);
  only `snowy_mountains.jpg` has an `Orientation` tag (value 6). `acoustic_guitar.png` is
  512×512 and has no EXIF at all.
- Audio: all mono, 16-bit, 32 kHz. WAV = PCM; FLAC = lossless; OGG = Ogg Vorbis (`-C 3`).
  Speech is espeak-ng voice `en-us`, speed 150 wpm.

## Cross-modal links (for demo queries)

- Park / dog / squirrels: `2026-04-12-walk-in-the-park.md`, `park_with_brown_dog.jpg`, `dog_barking_at_the_park.wav`
- Beach holiday: `beach-trip-packing-list.md`, `beach_with_umbrella.jpg`, `sunset_over_sea.jpg`
- Mountains / snow: `2026-02-15-mountain-weekend-journal.md`, `snowy_mountains.jpg`
- Shopping: `grocery-list.txt`, `reminder_buy_milk_and_eggs.wav`, `red_apple_on_table.jpg`
- Guitar: `guitar-chords-practice.md`, `acoustic_guitar.png`, `guitar_strum_g_chord.flac`, `tuning_tone_a440.wav`
- Work: `2026-06-30-q3-budget-meeting.md`, `meeting_moved_to_thursday.flac`
- No counterpart in other modalities: lentil soup, Walden quote, dentist, French birthday note, plants, bike repair, doorbell, rain.

## Provenance

EOF
{
  echo "Generated by \`assets/make_samples.sh\` with: $ESPEAK_V; $SOX_V; $PIL_V."
  echo "Random seeds are fixed in the script; SoX runs with \`-R\` (repeatable mode)."
} >> "$OUT/README.md"

###############################################################################
# 5. mtimes (cosmetic, for the demo timeline), summary
###############################################################################
stamp() { touch -d "$2" "$OUT/$1"; }
stamp notes/2026-04-12-walk-in-the-park.md        "2026-04-12 11:05:00"
stamp notes/lentil-soup-recipe.md                 "2026-01-25 18:40:00"
stamp notes/2026-06-30-q3-budget-meeting.md       "2026-06-30 11:20:00"
stamp notes/book-quote-walden.txt                 "2026-05-08 22:15:00"
stamp notes/beach-trip-packing-list.md            "2026-07-14 20:30:00"
stamp notes/call-the-dentist.txt                  "2026-03-02 07:55:00"
stamp notes/guitar-chords-practice.md             "2026-05-24 19:10:00"
stamp notes/grocery-list.txt                      "2026-03-07 09:30:00"
stamp notes/2026-02-15-mountain-weekend-journal.md "2026-02-15 21:45:00"
stamp notes/anniversaire-mamie.fr.md              "2026-08-30 15:00:00"
stamp notes/plant-watering-schedule.md            "2026-04-20 10:00:00"
stamp notes/bike-flat-tyre-repair.txt             "2026-06-06 17:30:00"
stamp photos/sunset_over_sea.jpg                  "2026-07-21 20:52:10"
stamp photos/park_with_brown_dog.jpg              "2026-04-12 09:41:17"
stamp photos/snowy_mountains.jpg                  "2026-02-14 11:03:52"
stamp photos/red_apple_on_table.jpg               "2026-03-03 16:20:05"
stamp photos/city_skyline_at_night.jpg            "2026-09-18 21:37:44"
stamp photos/beach_with_umbrella.jpg              "2026-07-19 13:05:30"
stamp photos/acoustic_guitar.png                  "2026-05-24 19:30:00"
stamp audio/reminder_buy_milk_and_eggs.wav        "2026-03-06 17:45:00"
stamp audio/dog_barking_at_the_park.wav           "2026-04-12 09:50:00"
stamp audio/meeting_moved_to_thursday.flac        "2026-07-01 08:30:00"
stamp audio/doorbell_chime.wav                    "2026-05-02 14:12:00"
stamp audio/rain_on_window.ogg                    "2026-10-03 16:40:00"
stamp audio/tuning_tone_a440.wav                  "2026-05-24 19:05:00"
stamp audio/guitar_strum_g_chord.flac             "2026-05-24 19:25:00"

# sanity: every sample file is listed in README.md and vice versa
( cd "$OUT" && find notes photos audio -type f | sort ) > "$TMP/files"
grep -oE '^\| (notes|photos|audio)/[^ |]+' "$OUT/README.md" | sed 's/^| //' | sort > "$TMP/listed"
diff -u "$TMP/listed" "$TMP/files" || { echo "make_samples.sh: README table out of sync with files" >&2; exit 1; }

( cd "$OUT" && find . -type f | sort | xargs sha256sum )
du -sh "$OUT"
