import type { Prng } from './prng.js';

export type Language = 'en' | 'cs' | 'fi' | 'it' | 'ca';

/**
 * Sentence material per language, built from subject/verb/object phrases so that a seed yields
 * many distinct sentences. ASCII only: festival's Czech and Finnish voices read Latin-1/2, not UTF-8.
 */
const PHRASES: Record<Language, { subjects: string[]; verbs: string[]; objects: string[]; fillers: string[] }> = {
  en: {
    subjects: ['The new manager', 'My brother', 'Our neighbour', 'The engineer', 'Everyone in the office', 'The old teacher', 'A friend of mine', 'The delivery driver'],
    verbs: ['wants to discuss', 'forgot about', 'is looking at', 'finally fixed', 'will present', 'never liked', 'asked about', 'is worried about'],
    objects: ['the quarterly budget', 'the broken heater', 'the train schedule', 'the garden party', 'the test results', 'the weekend plans', 'the database migration', 'the missing invoice'],
    fillers: ['Yeah, right.', 'I see.', 'Okay.', 'Really?', 'Sure, go on.', 'Hmm, maybe.'],
  },
  cs: {
    subjects: ['Novy reditel', 'Muj bratr', 'Nas soused', 'Stary ucitel', 'Kamarad z prace', 'Cela rodina'],
    verbs: ['chce probrat', 'zapomnel na', 'se diva na', 'konecne opravil', 'bude prezentovat', 'se pta na'],
    objects: ['rozpocet na pristi rok', 'rozbite topeni', 'jizdni rad vlaku', 'zahradni slavnost', 'vysledky testu', 'plany na vikend'],
    fillers: ['Jo, jasne.', 'Aha.', 'Dobre.', 'Opravdu?', 'No tak.'],
  },
  fi: {
    subjects: ['Uusi johtaja', 'Minun veljeni', 'Naapurimme', 'Vanha opettaja', 'Ystavani', 'Koko perhe'],
    verbs: ['haluaa keskustella', 'unohti', 'katsoo', 'korjasi vihdoin', 'esittelee', 'kysyi'],
    objects: ['budjetista', 'rikkinaisesta lammittimesta', 'junan aikataulusta', 'puutarhajuhlista', 'testin tuloksista', 'viikonlopun suunnitelmista'],
    fillers: ['Joo, selva.', 'Ahaa.', 'Hyva on.', 'Ihanko totta?', 'No niin.'],
  },
  it: {
    subjects: ['Il nuovo direttore', 'Mio fratello', 'Il nostro vicino', 'La vecchia maestra', 'Un mio amico', 'Tutta la famiglia'],
    verbs: ['vuole discutere', 'ha dimenticato', 'sta guardando', 'ha finalmente riparato', 'presentera', 'ha chiesto'],
    objects: ['il bilancio del trimestre', 'il riscaldamento rotto', 'l orario dei treni', 'la festa in giardino', 'i risultati del test', 'i programmi del fine settimana'],
    fillers: ['Si, certo.', 'Capisco.', 'Va bene.', 'Davvero?', 'Ah, ecco.'],
  },
  ca: {
    subjects: ['El nou director', 'El meu germa', 'El nostre vei', 'La vella mestra', 'Un amic meu', 'Tota la familia'],
    verbs: ['vol parlar de', 'ha oblidat', 'esta mirant', 'finalment ha arreglat', 'presentara', 'ha preguntat per'],
    objects: ['el pressupost del trimestre', 'la calefaccio espatllada', 'l horari dels trens', 'la festa del jardi', 'els resultats de la prova', 'els plans del cap de setmana'],
    fillers: ['Si, clar.', 'Entenc.', 'Molt be.', 'De veritat?', 'Doncs si.'],
  },
};

/** One to `maxSentences` sentences of `language`. */
export function sentence(rng: Prng, language: Language, maxSentences = 2): string {
  const p = PHRASES[language];
  const count = 1 + rng.int(maxSentences);
  return Array.from({ length: count }, () => `${rng.pick(p.subjects)} ${rng.pick(p.verbs)} ${rng.pick(p.objects)}.`).join(' ');
}

/** A short backchannel ("Yeah, right.") of `language`. */
export function backchannel(rng: Prng, language: Language): string {
  return rng.pick(PHRASES[language].fillers);
}
