/**
 * Lemmas of verbs that describe something you can see happen in a short clip, hand-picked for
 * video-caption datasets (MSVD, MPII-MD, KTH, synthetic digits and shapes). The tagger's POS is only
 * a hint (it calls "cuts", "rides", "waves" nouns), so this list is what decides that a word *can* be
 * an action. Deliberately left out: auxiliaries (be, have, do), and light or mental verbs (get, go,
 * seem, know, think, want, see) that say little about what moves on screen.
 */
const GROUPS: Record<string, readonly string[]> = {
  // Moving the whole body from place to place.
  locomotion: [
    'walk', 'run', 'jog', 'sprint', 'march', 'stroll', 'wander', 'limp', 'stagger', 'stumble', 'trip',
    'hurry', 'rush', 'dash', 'race', 'chase', 'follow', 'lead', 'approach', 'enter', 'leave', 'exit',
    'arrive', 'return', 'cross', 'pace', 'tiptoe', 'sneak', 'creep', 'crawl', 'hop', 'skip', 'jump',
    'leap', 'climb', 'descend', 'ascend', 'flee', 'escape', 'step', 'head', 'back', 'retreat',
    'swim', 'dive', 'surf', 'skate', 'ski', 'skateboard', 'snowboard', 'sail', 'row', 'paddle',
    'ride', 'drive', 'fly', 'float', 'sink', 'glide', 'hike', 'cycle', 'park', 'steer',
  ],
  // Posture and body movement in place.
  posture: [
    'sit', 'stand', 'kneel', 'lie', 'lean', 'bend', 'crouch', 'squat', 'stretch', 'rise', 'fall',
    'collapse', 'slump', 'sprawl', 'lay', 'rest', 'sleep', 'wake', 'turn', 'twist', 'spin', 'roll',
    'flip', 'bounce', 'shake', 'tremble', 'shiver', 'shrug', 'nod', 'bow', 'wave', 'point', 'reach',
    'raise', 'lower', 'lift', 'duck', 'dodge', 'balance', 'swing', 'sway', 'rock', 'wiggle', 'wriggle',
    'kick', 'stomp', 'tap', 'clap', 'snap', 'flex', 'exercise', 'stretch', 'dance', 'pose', 'freeze',
  ],
  // Face, eyes and voice.
  face: [
    'look', 'watch', 'stare', 'glance', 'gaze', 'peer', 'peek', 'glare', 'blink', 'wink', 'squint',
    'smile', 'grin', 'laugh', 'giggle', 'frown', 'scowl', 'cry', 'weep', 'sob', 'sigh', 'yawn',
    'sneeze', 'cough', 'gasp', 'pout', 'smirk', 'blush', 'wince', 'grimace', 'talk', 'speak', 'say',
    'tell', 'ask', 'answer', 'reply', 'shout', 'yell', 'scream', 'whisper', 'sing', 'hum', 'whistle',
    'call', 'chat', 'argue', 'explain', 'read', 'listen', 'bark', 'meow', 'growl', 'roar', 'chirp',
    'kiss', 'lick', 'bite', 'chew', 'swallow', 'sniff', 'smell', 'breathe', 'spit', 'blow',
  ],
  // Hands on objects.
  handling: [
    'hold', 'grab', 'grasp', 'take', 'give', 'hand', 'pass', 'put', 'place', 'set', 'drop', 'pick',
    'carry', 'bring', 'fetch', 'push', 'pull', 'drag', 'tug', 'press', 'squeeze', 'rub', 'scratch',
    'touch', 'pat', 'stroke', 'pet', 'tickle', 'open', 'close', 'shut', 'lock', 'unlock', 'knock',
    'slam', 'fold', 'unfold', 'wrap', 'unwrap', 'tie', 'untie', 'pack', 'unpack', 'load', 'unload',
    'fill', 'empty', 'cover', 'uncover', 'hang', 'hide', 'show', 'search', 'pour', 'spill', 'splash',
    'spray', 'sprinkle', 'spread', 'wipe', 'clean', 'wash', 'rinse', 'scrub', 'dry', 'sweep', 'mop',
    'vacuum', 'dust', 'brush', 'comb', 'shave', 'trim', 'dress', 'undress', 'wear', 'remove', 'adjust',
    'fix', 'repair', 'build', 'assemble', 'attach', 'connect', 'plug', 'insert', 'screw', 'hammer',
    'nail', 'drill', 'saw', 'sew', 'knit', 'weave', 'draw', 'paint', 'write', 'type', 'sign', 'erase',
    'color', 'sketch', 'photograph', 'film', 'record', 'text', 'dial', 'phone', 'light', 'burn',
    'shoot', 'aim', 'fire', 'load', 'lift', 'toss', 'flick', 'shuffle', 'deal', 'stack', 'arrange',
    'sort', 'count', 'measure', 'weigh', 'check', 'examine', 'inspect', 'offer', 'receive', 'accept',
    'steal', 'hug', 'embrace', 'cuddle', 'shake', 'greet', 'feed', 'groom', 'bathe', 'plant', 'dig',
    'water', 'mow', 'rake', 'chop', 'carve', 'play', 'strum', 'pluck', 'drum', 'juggle', 'tear', 'rip',
    'crumple', 'break', 'smash', 'crush', 'shatter', 'bend', 'squash',
  ],
  // Cooking and eating (MSVD is full of kitchens).
  kitchen: [
    'cook', 'bake', 'fry', 'boil', 'grill', 'roast', 'toast', 'steam', 'heat', 'microwave', 'stir',
    'mix', 'whisk', 'beat', 'blend', 'knead', 'roll', 'cut', 'slice', 'dice', 'chop', 'mince', 'peel',
    'grate', 'shred', 'mash', 'crack', 'season', 'salt', 'add', 'combine', 'serve', 'taste', 'eat',
    'drink', 'sip', 'gulp', 'bite', 'nibble', 'munch', 'feed', 'prepare', 'make', 'squeeze', 'drain',
    'strain', 'flip', 'fold', 'spread', 'stuff', 'coat', 'dip', 'marinate', 'garnish', 'smoke',
  ],
  // Sport, play and fighting.
  sport: [
    'throw', 'catch', 'hit', 'strike', 'punch', 'box', 'fight', 'wrestle', 'spar', 'kick', 'slap',
    'shove', 'tackle', 'block', 'attack', 'defend', 'stab', 'slash', 'choke', 'grapple', 'fence',
    'bowl', 'bat', 'pitch', 'serve', 'volley', 'dribble', 'score', 'shoot', 'pass', 'toss', 'lob',
    'swing', 'golf', 'putt', 'skateboard', 'cartwheel', 'somersault', 'flip', 'tumble', 'vault',
    'lift', 'train', 'practice', 'perform', 'compete', 'win', 'lose', 'celebrate', 'cheer', 'applaud',
    'salute', 'race', 'jog', 'dance', 'play', 'bounce', 'kick', 'fish', 'hunt', 'swim', 'surf',
  ],
  // What things (digits, shapes, balls, vehicles) do in synthetic and real clips.
  motion: [
    'move', 'bounce', 'fly', 'roll', 'spin', 'slide', 'rotate', 'revolve', 'orbit', 'circle',
    'drift', 'float', 'fall', 'drop', 'rise', 'grow', 'shrink', 'expand', 'zoom', 'travel', 'pass',
    'approach', 'collide', 'crash', 'hit', 'bump', 'explode', 'burst', 'flash', 'blink', 'flicker',
    'shake', 'vibrate', 'wobble', 'swing', 'sway', 'oscillate', 'zigzag', 'accelerate', 'slow',
    'stop', 'start', 'speed', 'pull', 'flow', 'splash', 'spill', 'leak', 'melt', 'burn', 'smoke',
    'open', 'close', 'appear', 'disappear', 'vanish', 'emerge', 'follow', 'chase', 'swap', 'switch',
  ],
};

const AUXILIARIES: ReadonlySet<string> = new Set(['be', 'have', 'do']);

/** The action verb lemmas, lower-case, deduplicated and sorted. */
export const ACTION_VERBS: ReadonlySet<string> = new Set(
  Object.values(GROUPS)
    .flat()
    .filter((verb) => !AUXILIARIES.has(verb))
    .sort(),
);

/** True when `lemma` (lower-case) is an action verb; auxiliaries never are. */
export function isActionVerb(lemma: string): boolean {
  return ACTION_VERBS.has(lemma);
}

/** The lemmas that are never actions even when a caption uses them as main verbs ("has a gun"). */
export function isAuxiliary(lemma: string): boolean {
  return AUXILIARIES.has(lemma);
}
