# Messages de tous les codes d'erreur et de problème d'Outpost, en français.

## Contrôle des réponses d'un formulaire
validation-required = { $field } est obligatoire.
validation-unknown-field = « { $field } » n'est pas un champ de ce formulaire.
validation-wrong-type = { $field } doit être { $expected }.
validation-too-long = { $field } est trop long : { $length } caractères, au plus { $max }.
validation-below-min = { $field } doit valoir au moins { $min } { $unit }.
validation-above-max = { $field } doit valoir au plus { $max } { $unit }.
validation-not-integer = { $field } doit être un nombre entier.
validation-unknown-option = « { $value } » ne fait pas partie des choix pour { $field }.
validation-duplicate-option = « { $value } » est choisi deux fois dans { $field }.
validation-bad-datetime = { $field } : « { $value } » n'est pas une date et heure (exemple attendu : 2026-03-14T06:30:00Z).
validation-in-future = { $field } est dans le futur.
validation-before-other = { $field } ne peut pas être antérieur à { $other }.
validation-constraint = { $field } : cette réponse ne respecte pas la condition du formulaire ({ $condition }).
validation-option-not-offered = { $field } : « { $value } » n'est pas proposé compte tenu des autres réponses.
report-answer-not-asked = Non conservé : { $field } ({ $id }) n'est pas demandé compte tenu des autres réponses.
validation-bad-latitude = { $field } : la latitude doit être comprise entre -90 et 90.
validation-bad-longitude = { $field } : la longitude doit être comprise entre -180 et 180.
validation-bad-accuracy = { $field } : la précision doit être de zéro mètre ou plus.
validation-location-empty = { $field } : indiquez des coordonnées (latitude et longitude) ou un nom de lieu.
validation-location-half = { $field } : latitude et longitude vont ensemble ; l'une des deux manque.
validation-count-negative = { $field } : l'effectif pour { $group } doit être de zéro ou plus.
validation-count-too-large = { $field } : l'effectif pour { $group } ne peut pas dépasser { $max }.
validation-count-unknown-group = { $field } : « { $group } » n'est pas une catégorie de ce décompte.
validation-too-many-items = { $field } : { $max } éléments au plus.
validation-bad-reference = { $field } : « { $value } » n'est pas une référence valide.
validation-unknown-attachment = { $field } : « { $value } » n'est pas un fichier joint à ce rapport.
validation-entry-count = { $field } : { $count } entrées sont attendues, { $entries } données.

expected-text = du texte
expected-number = un nombre
expected-whole-number = un nombre entier
expected-choice = l'un des choix proposés
expected-choices = une liste de choix
expected-datetime = une date et une heure
expected-location = un lieu
expected-people-count = des effectifs par sexe et tranche d'âge
expected-list = une liste
expected-entries = une liste d'entrées

## Photos
photo-empty = Le fichier photo est vide.
photo-file-too-large = Le fichier photo est trop volumineux ({ $bytes } octets ; au plus { $max }).
photo-unsupported-format = Ce fichier n'est pas une photo lisible par Outpost (utilisez JPEG, PNG, WebP, GIF, BMP ou TIFF).
photo-too-many-pixels = La photo est trop grande pour être ouverte sans risque ({ $width } × { $height } pixels ; au plus { $max } pixels).
photo-corrupt = Le fichier photo est endommagé ou incomplet et ne peut pas être lu ({ $detail }).
photo-dimensions-too-large = La photo est trop grande pour être ouverte sans risque ({ $width } × { $height } pixels ; au plus { $max_width } × { $max_height }).
photo-too-large = La photo demande plus de mémoire que cet appareil n'en accorde à une photo ({ $max } octets).
photo-encode-failed = La copie « { $variant } » de la photo n'a pas pu être produite.
photo-unknown = La photo n'a pas pu être traitée.

## Notes vocales
voice-empty = La note vocale est vide : rien n'a été enregistré.
voice-too-large = La note vocale est trop volumineuse ({ $bytes } octets ; au plus { $max }).
voice-unsupported = Ce fichier n'est pas un enregistrement qu'Outpost peut conserver (utilisez WebM, Ogg, WAV, MP3, M4A ou FLAC).

## L'application de terrain
app-incomplete = Le rapport n'est pas terminé : { $count } réponse(s) demandent encore votre attention. Elles sont signalées dans la relecture.
app-no-step = Ce formulaire n'a pas d'étape { $step }.
app-unknown-field = « { $field } » n'est pas une question de ce rapport.
app-unknown-budget = Budget de liaison inconnu « { $given } ». Utilisez wifi, satellite ou documents.
app-hub-address = « { $given } » n'est pas une adresse de hub (par exemple https://hub.example:8443).
app-locked = Outpost est verrouillé. Saisissez votre code PIN pour continuer.
app-not-reviewer = L'examen demande que cet appareil soit enrôlé auprès d'un hub comme quartier général (rôle hq).
app-not-cleared = Ce rapport dépasse votre habilitation.
app-unknown-status = Statut d'examen inconnu « { $given } ».
app-empty-question = Écrivez d'abord la question.
app-no-target = Indiquez l'unité ou le secteur à qui s'adresse la question.
app-unknown-format = Format d'export inconnu « { $given } ». Utilisez csv, answers ou geojson.
app-export-failed = L'export n'a pas pu être écrit dans { $path } ({ $detail }).
app-unknown-language = Langue inconnue « { $given } ». Utilisez en ou fr.

## Rapports imprimés
print-classification = Classification : { $level }
print-status = Statut
print-author = Auteur
print-unit = Unité
print-written-in = Rédigé en
print-filed = Déposé
print-updated = Dernière modification
print-confirmed = Relecture confirmée par { $by } le { $at }
print-not-confirmed = La relecture n'a pas été confirmée par l'auteur.
print-unanswered = Sans réponse
print-comments = Commentaires et questions
print-photos = { $count } photo(s) jointe(s)
print-voice-notes = { $count } note(s) vocale(s) jointe(s)

## Exports
export-clearance-required = Cet appareil n'est enrôlé auprès d'aucun hub et n'a donc pas d'habilitation propre : indiquez le niveau d'export avec --clearance.
export-bad-date = « { $given } » n'est pas une date (utilisez AAAA-MM-JJ).
report-unknown-status = Statut d'examen inconnu « { $given } ». Utilisez submitted, under_review, needs_information, verified ou closed.
report-unknown-stage = Étape PIR inconnue « { $given } ». Utilisez assessed, proposed, approved, funded ou delivered.

## Rapports et documents
report-unknown-kind = Type de rapport inconnu « { $kind } ». Types connus : { $known }.
report-unknown-classification = Classification inconnue « { $given } ». Utilisez UNCLASSIFIED, CONFIDENTIAL ou STRICTLY CONFIDENTIAL.
report-invalid-answers = Le rapport comporte { $count } problème(s) ; rien n'a été enregistré.
report-answers-not-object = Le fichier de réponses doit être un objet JSON associant les identifiants de champ aux réponses.
report-bad-json = Le fichier de réponses n'est pas du JSON valide : { $detail }
report-answers-not-utf8 = Le fichier de réponses n'est pas du texte UTF-8 (les octets après la position { $at } sont illisibles). Enregistrez-le en UTF-8.
report-answers-unreadable = Le fichier de réponses { $path } ne peut pas être lu : { $detail }
report-unknown-language = Langue inconnue « { $given } ». Utilisez en ou fr.
document-corrupt = Le document du rapport est endommagé et ne peut pas être lu ({ $detail }).
document-not-a-report = Ce document n'est pas un rapport Outpost ({ $detail }).
document-newer-schema = Ce rapport a été écrit par une version plus récente d'Outpost (schéma de document { $found } ; cette version lit jusqu'au { $supported }). Mettez Outpost à jour pour l'ouvrir.
document-missing-changes = { $count } modification(s) sur lesquelles ce rapport s'appuie ne sont pas encore arrivées ; le rapport complet sera redemandé.
document-not-a-conflict = { $path } n'a pas de conflit ouvert avec cette valeur ; rechargez le rapport, quelqu'un l'a peut-être déjà résolu.
document-no-pipeline = Seules les évaluations de projets à impact rapide passent par le suivi des projets ; ce rapport est de type { $form }.

## Le stockage local
store-too-new = Ce dossier de données a été écrit par une version plus récente d'Outpost (schéma de base { $found } ; cette version connaît jusqu'au { $supported }). Mettez Outpost à jour ; les données n'ont pas été modifiées.
store-not-found = Aucun rapport d'identifiant { $id } sur cet appareil.
store-photo-not-found = Aucune photo d'identifiant { $id } sur cet appareil.
store-blob-missing = Un fichier enregistré est manquant : { $hash }.
store-blob-corrupt = Un fichier enregistré est endommagé (son contenu ne correspond plus à { $hash }).
store-partial-offset = Le transfert a repris au mauvais endroit (octet { $expected } attendu, { $given } reçu) ; il reprendra au bon endroit.
store-io = Le dossier de données n'a pas pu être lu ou écrit : { $detail }
store-database = La base de données locale a signalé une erreur : { $detail }
store-disk-full = L'appareil n'a plus d'espace de stockage ; rien n'a été enregistré. Libérez de l'espace et réessayez.
sync-hub-disk-full = Le hub n'a plus d'espace de stockage et n'a rien enregistré de cette synchronisation. Tout reste sur cet appareil ; prévenez la personne qui gère le hub.
store-busy = La base de données locale est occupée par un autre programme ; réessayez.
review-not-lower = { $to } n'est pas inférieur à la classification du rapport ({ $from }) : une copie déclassifiée doit être d'un niveau inférieur.
store-wrong-passphrase = Code PIN ou phrase secrète erroné. Encore { $left } essais avant que chaque nouvel essai doive attendre.
store-unlock-delayed = Trop d’essais erronés. Attendez { $seconds } secondes avant de réessayer.
store-passphrase-too-short = Choisissez un code PIN ou une phrase secrète d’au moins { $min } caractères.
store-key-damaged = Le fichier de clé { $path } est endommagé ; les données ne peuvent pas être déverrouillées sans lui.
store-key-missing = Ce dossier de données est chiffré et sa clé a disparu ({ $path }) : il a été effacé ou le fichier de clé a été supprimé. Les données sont illisibles.
store-wrong-key = La clé n’ouvre pas la base de données de ce dossier (elle appartient à un autre stockage, ou la base est endommagée).
store-passphrase-file-open = { $path } est lisible par d’autres utilisateurs (mode { $mode }) ; rendez-le lisible par son seul propriétaire : chmod 600 { $path }
store-locked = Ce dossier de données est chiffré : donnez sa phrase secrète dans OUTPOST_PASSPHRASE, ou lancez la commande dans un terminal pour qu’elle vous soit demandée.
store-passphrases-differ = Les deux phrases secrètes diffèrent ; rien n’a été changé.
store-wipe-not-confirmed = L’effacement détruit tous les rapports de cet appareil, synchronisés ou non, et ne peut pas être annulé : ajoutez --yes pour confirmer.

## Synchronisation et hub
auth-missing = Cette requête ne porte aucun identifiant d'appareil. Enrôlez d'abord l'appareil auprès du hub.
auth-unknown = Le hub ne connaît pas l'identifiant de cet appareil. Enrôlez de nouveau l'appareil avec un nouveau code.
auth-revoked = L'accès de cet appareil au hub a été révoqué. Adressez-vous à l'opérateur du hub.
auth-forbidden = Le rôle de cet appareil ne permet pas cette opération.
enrol-unknown-code = Ce code d'enrôlement est inconnu du hub. Vérifiez-le auprès de l'opérateur du hub.
enrol-expired = Ce code d'enrôlement a expiré. Demandez-en un nouveau à l'opérateur du hub.
enrol-used = Ce code d'enrôlement a déjà servi. Demandez-en un nouveau à l'opérateur du hub.
sync-version = L'autre côté utilise le protocole de synchronisation { $given } ; celui-ci utilise le { $supported }. Mettez à jour le plus ancien.
sync-too-large = Le message est trop volumineux ({ $max } octets au plus).
sync-malformed = Le message n'a pas pu être lu ({ $detail }).
sync-replayed = Ce message exact a déjà été reçu ; il n'a pas été appliqué deux fois.
sync-wrong-document = Un document est arrivé sous l'identifiant d'un autre rapport.
sync-heads-mismatch = Un document est arrivé sans les modifications qu'il annonçait.
sync-unknown-blob = Le hub ne connaît aucun rapport contenant ce fichier ({ $hash }) ; envoyez d'abord les rapports.
sync-hash-mismatch = Le fichier { $hash } est arrivé endommagé (son empreinte ne correspond pas) ; il sera renvoyé.
sync-bad-range = La partie demandée du fichier n'existe pas.
sync-not-found = Il n'y a rien à cette adresse sur le hub.
sync-internal = Le hub a rencontré un problème interne ; rien n'a été perdu. Réessayez.
sync-link = Le hub est injoignable ou la liaison a été coupée. Rien n'a été perdu ; relancez la synchronisation quand la liaison revient.
sync-not-enrolled = Cet appareil n'est enrôlé auprès d'aucun hub. Lancez : outpost enrol --hub URL --code CODE
sync-http = Le hub a répondu par une erreur inattendue.
sync-certificate = Le fichier d'autorité de certification indiqué pour le hub n'est pas un certificat PEM.

## Synthèse hebdomadaire
summary-title = Synthèse hebdomadaire du { $from } au { $until }
summary-scope = { $count } rapport(s) sur des faits de la semaine, tous secteurs, jusqu'à { $clearance }.
summary-by-sector = Rapports par secteur et par type
summary-by-status = Rapports par statut d'examen
summary-sector = Secteur
summary-reports = Rapports
summary-incidents = Incidents de la semaine ({ $count })
summary-date = Date
summary-place = Lieu
summary-what = Rapport
summary-classification = Classification
summary-pipeline = Projets à impact rapide : état du circuit
summary-stage = Étape
summary-overdue = En retard dans leur étape ({ $count })
summary-days = Jours dans l'étape
summary-waiting = En attente d'une réponse du terrain ({ $count })
summary-kind = Type
status-draft = Brouillon
status-submitted = Soumis
status-under-review = En cours d'examen
status-needs-information = Informations demandées
status-verified = Vérifié
status-closed = Clos
stage-assessed = Évalué
stage-proposed = Proposé
stage-approved = Approuvé
stage-funded = Financé
stage-delivered = Livré

## Confiance : ce qu'un pair peut apporter (docs/policy.md)
document-bad-shape = Ce document n'a pas la forme d'un rapport ({ $detail }) ; rien n'en a été enregistré.
document-too-deep = Ce document imbrique des valeurs trop profondément ({ $detail }) ; rien n'en a été enregistré.
document-bad-file-ref = Ce document désigne un fichier par autre chose qu'une empreinte SHA-256 ({ $detail }) ; rien n'en a été enregistré.
document-too-large = Ce document contient plus d'opérations que sa taille ne le permet ; rien n'en a été enregistré.
document-unknown-form = Ce rapport est d'un formulaire que le hub ne connaît pas ; rien n'en a été enregistré.
policy-not-cleared = L'appareil n'est pas habilité à voir ou modifier ce rapport.
policy-fixed-field = L'identifiant, le formulaire, l'auteur, l'unité, le secteur, l'appareil et la date de création d'un rapport ne peuvent pas changer.
policy-wrong-origin = Le rapport se dit d'une autre unité, d'un autre secteur ou d'un autre appareil que ceux enrôlés par le hub.
policy-hq-only = Seul le quartier général peut fixer un statut de revue, partager un rapport, faire avancer un projet QIP, poser une question à l'auteur ou déposer ce type de rapport.
policy-lowered = Seul le quartier général peut abaisser la classification d'un rapport.
policy-other-unit = Seule l'unité du rapport peut modifier ce qu'il dit.
policy-not-yourself = Un commentaire ne peut être ajouté qu'au nom de cet appareil.
policy-comment-changed = Un commentaire ne peut être ni modifié ni supprimé une fois fait.
policy-forged-actor = Les modifications n'ont pas toutes été faites par l'appareil qui les envoie.
policy-no-pipeline = Seules les évaluations de projets à impact rapide ont un suivi de projet ; une étape sur un autre rapport est refusée.
policy-unsigned = Les modifications ne portent pas la signature de l'appareil qui les a faites ; rien n'en a été enregistré.
policy-bad-signature = Une signature des modifications ne se vérifie pas avec la clé de l'appareil qui les a faites ; rien n'en a été enregistré.
sync-too-many-documents = Trop de rapports dans un seul message (au plus { $max }) ; envoyez-les par lots plus petits.
enrol-device-exists = Un appareil avec cette identité est déjà enrôlé auprès de ce hub. Un code enrôle un nouvel appareil ; il ne peut ni en reprendre ni en réactiver un autre.
sync-refused = { $count } élément(s) ont été refusés ou n'ont pas pu être envoyés ; chacun est listé ci-dessus. Rien d'autre n'a été touché.
sync-untrusted-hub = Le certificat du hub n'est pas signé par l'autorité de certification de la mission à laquelle cet appareil se fie, ou n'est pas celui de cette adresse. Rien n'a été envoyé. Vérifiez l'adresse du hub avec l'opérateur : quelqu'un est peut-être entre cet appareil et le hub.
sync-bad-fingerprint = « { $given } » n'est pas une empreinte de certificat : elle compte 64 chiffres hexadécimaux (les paires peuvent être séparées par deux-points), telle que l'opérateur du hub l'a donnée.
sync-ca-fingerprint = L'autorité de certification du hub n'a pas l'empreinte donnée par l'opérateur. Rien n'a été envoyé. Vérifiez l'adresse du hub et l'empreinte avec l'opérateur : il peut s'agir d'un autre hub, ou de quelqu'un entre cet appareil et le hub.
enrol-no-authority = Ce hub n'a pas d'autorité de mission à donner : enrôlez l'appareil avec le fichier du certificat de l'autorité plutôt qu'avec son empreinte.
sync-insecure-hub = { $url } n'est pas une adresse HTTPS. Outpost ne parle aux hubs qu'en TLS, pour que personne sur le réseau ne lise le code, l'identifiant ou les rapports : utilisez l'adresse https:// donnée par l'opérateur du hub.
sync-revoked-wiped = Cet appareil a été révoqué par son hub. Comme la mission l'exige, sa clé a été détruite et ses données effacées. Demandez à l'opérateur du hub de l'enrôler à nouveau.
xlsform-too-large = Le fichier fait { $size } octets ; un XLSForm fait au plus { $max } octets.
xlsform-not-a-workbook = Le fichier n'est pas un classeur .xlsx ou .xls ({ $detail }).
xlsform-unpacks-too-large = Le classeur se décompresse en plus de { $max } octets : refusé.
xlsform-missing-sheet = Le classeur n'a pas de feuille « { $sheet } ».
xlsform-missing-column = La feuille « { $sheet } » n'a pas de colonne « { $column } ».
xlsform-too-many-rows = La feuille « { $sheet } » a plus de { $max } lignes.
xlsform-no-questions = La feuille survey n'a aucune question qu'Outpost puisse poser.
xlsform-form-invalid = Le formulaire converti ne passe pas ses contrôles : { $detail }
form-imported = Formulaire { $id }, version { $version } : { $questions } question(s) en { $steps } étape(s) à partir de { $rows } ligne(s) survey.
form-not-carried-over = Non repris tel quel ({ $count }) :
form-written = Écrit dans { $path }.
form-file-unreadable = Impossible de lire { $path } ({ $detail }).
form-file-not-written = Impossible d'écrire { $path } ({ $detail }) ; un fichier existant n'est jamais remplacé : donnez un autre --out.
