// Every string the interface shows, in English and French. A key missing in
// one language is a test failure, not a blank on a tablet.

export type Lang = "en" | "fr";

const en = {
  "app.title": "Outpost",
  "home.title": "My reports",
  "home.empty": "No reports on this device yet.",
  "home.count": "{n} report(s)",
  "sync.never": "Never synced",
  "sync.last": "Last sync {when}",
  "sync.waiting": "{n} report(s) not yet at the hub",
  "sync.all_at_hub": "Everything is at the hub",
  "sync.no_hub": "Not enrolled with a hub",
  "delivery.local": "Only on this device",
  "delivery.at_hub": "At hub",
  "delivery.photos_waiting": "At hub · {n} photo file(s) waiting",
  "kind.patrol": "Patrol",
  "kind.incident": "Incident",
  "kind.qip": "QIP assessment",
  "status.draft": "Draft",
  "status.submitted": "Submitted",
  "status.under_review": "Under review",
  "status.needs_information": "Needs information",
  "status.verified": "Verified",
  "status.closed": "Closed",
  "class.UNCLASSIFIED": "Unclassified",
  "class.CONFIDENTIAL": "Confidential",
  "class.STRICTLY CONFIDENTIAL": "Strictly confidential",
  "report.written_in": "Written in {lang}",
  "report.conflicts": "{n} conflict(s) to resolve",
  "report.comments": "{n} comment(s)",
  "lang.en": "English",
  "lang.fr": "French",
  "ui.switch_lang": "Français",
  "ui.contrast_on": "Sunlight mode",
  "ui.contrast_off": "Normal mode",
  "ui.refresh": "Refresh",
  "time.just_now": "just now",
  "time.minutes": "{n} min ago",
  "time.hours": "{n} h ago",
  "time.days": "{n} day(s) ago",
  "error.title": "Something went wrong",
} as const;

export type Key = keyof typeof en;

const fr: Record<Key, string> = {
  "app.title": "Outpost",
  "home.title": "Mes rapports",
  "home.empty": "Aucun rapport sur cet appareil pour l'instant.",
  "home.count": "{n} rapport(s)",
  "sync.never": "Jamais synchronisé",
  "sync.last": "Dernière synchronisation {when}",
  "sync.waiting": "{n} rapport(s) pas encore au hub",
  "sync.all_at_hub": "Tout est au hub",
  "sync.no_hub": "Aucun hub enrôlé",
  "delivery.local": "Seulement sur cet appareil",
  "delivery.at_hub": "Au hub",
  "delivery.photos_waiting": "Au hub · {n} fichier(s) photo en attente",
  "kind.patrol": "Patrouille",
  "kind.incident": "Incident",
  "kind.qip": "Évaluation PIR",
  "status.draft": "Brouillon",
  "status.submitted": "Soumis",
  "status.under_review": "En cours d'examen",
  "status.needs_information": "Informations demandées",
  "status.verified": "Vérifié",
  "status.closed": "Clos",
  "class.UNCLASSIFIED": "Non classifié",
  "class.CONFIDENTIAL": "Confidentiel",
  "class.STRICTLY CONFIDENTIAL": "Strictement confidentiel",
  "report.written_in": "Rédigé en {lang}",
  "report.conflicts": "{n} conflit(s) à résoudre",
  "report.comments": "{n} commentaire(s)",
  "lang.en": "anglais",
  "lang.fr": "français",
  "ui.switch_lang": "English",
  "ui.contrast_on": "Mode plein soleil",
  "ui.contrast_off": "Mode normal",
  "ui.refresh": "Actualiser",
  "time.just_now": "à l'instant",
  "time.minutes": "il y a {n} min",
  "time.hours": "il y a {n} h",
  "time.days": "il y a {n} jour(s)",
  "error.title": "Un problème est survenu",
};

export const catalogues: Record<Lang, Record<Key, string>> = { en, fr };

export function t(lang: Lang, key: Key, args: Record<string, string | number> = {}): string {
  const text = catalogues[lang][key] ?? catalogues.en[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name: string) => String(args[name] ?? `{${name}}`));
}

/** "12 min ago" / "il y a 12 min", from milliseconds. */
export function ago(lang: Lang, thenMs: number, nowMs: number): string {
  const minutes = Math.floor(Math.max(0, nowMs - thenMs) / 60_000);
  if (minutes < 1) return t(lang, "time.just_now");
  if (minutes < 60) return t(lang, "time.minutes", { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return t(lang, "time.hours", { n: hours });
  return t(lang, "time.days", { n: Math.floor(hours / 24) });
}
