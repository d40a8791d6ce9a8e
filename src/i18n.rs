//! Built-in interface texts (buttons, fixed sentences, lifetime words) of the banner and the
//! policy page, by language. A site overrides any key in `[texts.<lang>]` of `cookies.toml`.
//!
//! Unit keys hold the plural forms separated by `|`: `one|other`, or `one|few|many` where the
//! language has a "few" form (Polish).

use std::collections::BTreeMap;

use crate::registry::{Lang, Lifetime, Registry};

type Table = &'static [(&'static str, &'static str)];

const EN: Table = &[
    ("banner_title", "We use cookies"),
    (
        "banner_text",
        "Some cookies are needed for this site to work. With your consent, we also use others to understand how the site is used and to show relevant advertising. Accept or reject them all, or choose by purpose; you can change your mind at any time.",
    ),
    ("accept_all", "Accept all"),
    ("reject_all", "Reject all"),
    ("customize", "Customise"),
    ("save", "Save my choices"),
    ("preferences_title", "Cookie preferences"),
    (
        "preferences_text",
        "Choose which cookies we may use. Strictly necessary cookies cannot be switched off: the site does not work without them.",
    ),
    ("close", "Close"),
    ("always_on", "Always on"),
    ("cookie_policy", "Cookie policy"),
    (
        "gpc_notice",
        "Your browser sent a Global Privacy Control signal, so every optional cookie is off. You can still switch categories on in the cookie settings.",
    ),
    ("gpc_title", "Your privacy signal is respected"),
    ("settings", "Cookie settings"),
    ("show_cookies", "Show cookies"),
    ("consent_id", "Your consent ID"),
    ("col_name", "Name"),
    ("col_provider", "Provider"),
    ("col_purpose", "Purpose"),
    ("col_expires", "Lifetime"),
    ("col_kind", "Type"),
    ("col_party", "Set by"),
    ("first_party", "This site"),
    ("third_party", "Third party"),
    ("kind_cookie", "Cookie"),
    ("kind_local_storage", "Local storage"),
    ("kind_session_storage", "Session storage"),
    ("kind_pixel", "Pixel"),
    ("session", "Session"),
    ("unit_minute", "minute|minutes"),
    ("unit_hour", "hour|hours"),
    ("unit_day", "day|days"),
    ("unit_week", "week|weeks"),
    ("unit_month", "month|months"),
    ("unit_year", "year|years"),
    ("policy_title", "Cookie policy"),
    ("policy_what_title", "What cookies are"),
    (
        "policy_what_text",
        "Cookies are small text files that a website stores in your browser. Similar technologies, such as local storage and tracking pixels, work the same way; this policy calls them all cookies. Some are needed for the site to work; we use the others only if you agree.",
    ),
    ("policy_choice_title", "How to accept or refuse cookies"),
    (
        "policy_choice_text",
        "On your first visit we ask which optional cookies you accept. Refusing is as easy as accepting, and you can change or withdraw your choice at any time with the button below. You can also block or delete cookies in your browser's settings; the site keeps working, though some features may not.",
    ),
    ("policy_list_title", "The cookies we use"),
    ("policy_required", "Always active"),
    ("policy_optional", "Only with your consent"),
    ("policy_none", "No cookies are declared in this category."),
    ("policy_updated", "Last updated"),
    ("policy_contact_title", "Contact"),
    (
        "policy_contact_text",
        "For any question about this policy or your consent, write to",
    ),
    ("policy_language", "Language"),
    ("privacy_policy", "Privacy policy"),
    ("skip_to_content", "Skip to content"),
];

const FR: Table = &[
    ("banner_title", "Nous utilisons des cookies"),
    (
        "banner_text",
        "Certains cookies sont nécessaires au fonctionnement du site. Avec votre accord, nous en utilisons d'autres pour comprendre comment le site est utilisé et vous montrer des publicités pertinentes. Acceptez-les ou refusez-les tous, ou choisissez par finalité ; vous pouvez changer d'avis à tout moment.",
    ),
    ("accept_all", "Tout accepter"),
    ("reject_all", "Tout refuser"),
    ("customize", "Personnaliser"),
    ("save", "Enregistrer mes choix"),
    ("preferences_title", "Préférences de cookies"),
    (
        "preferences_text",
        "Choisissez les cookies que nous pouvons utiliser. Les cookies strictement nécessaires ne peuvent pas être désactivés : le site ne fonctionne pas sans eux.",
    ),
    ("close", "Fermer"),
    ("always_on", "Toujours actifs"),
    ("cookie_policy", "Politique de cookies"),
    (
        "gpc_notice",
        "Votre navigateur a envoyé un signal Global Privacy Control : tous les cookies facultatifs sont désactivés. Vous pouvez encore activer des catégories dans les paramètres des cookies.",
    ),
    ("gpc_title", "Votre signal de confidentialité est respecté"),
    ("settings", "Paramètres des cookies"),
    ("show_cookies", "Voir les cookies"),
    ("consent_id", "Votre identifiant de consentement"),
    ("col_name", "Nom"),
    ("col_provider", "Fournisseur"),
    ("col_purpose", "Finalité"),
    ("col_expires", "Durée"),
    ("col_kind", "Type"),
    ("col_party", "Déposé par"),
    ("first_party", "Ce site"),
    ("third_party", "Un tiers"),
    ("kind_cookie", "Cookie"),
    ("kind_local_storage", "Stockage local"),
    ("kind_session_storage", "Stockage de session"),
    ("kind_pixel", "Pixel"),
    ("session", "Session"),
    ("unit_minute", "minute|minutes"),
    ("unit_hour", "heure|heures"),
    ("unit_day", "jour|jours"),
    ("unit_week", "semaine|semaines"),
    ("unit_month", "mois|mois"),
    ("unit_year", "an|ans"),
    ("policy_title", "Politique de cookies"),
    ("policy_what_title", "Qu'est-ce qu'un cookie ?"),
    (
        "policy_what_text",
        "Un cookie est un petit fichier texte qu'un site enregistre dans votre navigateur. Des technologies semblables, comme le stockage local et les pixels de suivi, fonctionnent de la même façon ; cette politique les appelle toutes cookies. Certains sont nécessaires au fonctionnement du site ; nous n'utilisons les autres qu'avec votre accord.",
    ),
    ("policy_choice_title", "Accepter ou refuser les cookies"),
    (
        "policy_choice_text",
        "Lors de votre première visite, nous vous demandons quels cookies facultatifs vous acceptez. Refuser est aussi simple qu'accepter, et vous pouvez modifier ou retirer votre choix à tout moment avec le bouton ci-dessous. Vous pouvez aussi bloquer ou supprimer les cookies dans les réglages de votre navigateur ; le site continue de fonctionner, mais certaines fonctions peuvent ne plus être disponibles.",
    ),
    ("policy_list_title", "Les cookies que nous utilisons"),
    ("policy_required", "Toujours actifs"),
    ("policy_optional", "Seulement avec votre accord"),
    (
        "policy_none",
        "Aucun cookie n'est déclaré dans cette catégorie.",
    ),
    ("policy_updated", "Dernière mise à jour"),
    ("policy_contact_title", "Contact"),
    (
        "policy_contact_text",
        "Pour toute question sur cette politique ou votre consentement, écrivez à",
    ),
    ("policy_language", "Langue"),
    ("privacy_policy", "Politique de confidentialité"),
    ("skip_to_content", "Aller au contenu"),
];

const DE: Table = &[
    ("banner_title", "Wir verwenden Cookies"),
    (
        "banner_text",
        "Einige Cookies sind für den Betrieb dieser Website erforderlich. Mit Ihrer Einwilligung verwenden wir außerdem weitere Cookies, um zu verstehen, wie die Website genutzt wird, und um relevante Werbung anzuzeigen. Sie können alle akzeptieren, alle ablehnen oder nach Zwecken auswählen; Ihre Entscheidung können Sie jederzeit ändern.",
    ),
    ("accept_all", "Alle akzeptieren"),
    ("reject_all", "Alle ablehnen"),
    ("customize", "Anpassen"),
    ("save", "Auswahl speichern"),
    ("preferences_title", "Cookie-Einstellungen"),
    (
        "preferences_text",
        "Wählen Sie, welche Cookies wir verwenden dürfen. Unbedingt erforderliche Cookies können nicht deaktiviert werden, da die Website ohne sie nicht funktioniert.",
    ),
    ("close", "Schließen"),
    ("always_on", "Immer aktiv"),
    ("cookie_policy", "Cookie-Richtlinie"),
    (
        "gpc_notice",
        "Ihr Browser hat ein Global-Privacy-Control-Signal gesendet, daher sind alle optionalen Cookies deaktiviert. Sie können einzelne Kategorien dennoch in den Cookie-Einstellungen aktivieren.",
    ),
    ("gpc_title", "Ihr Datenschutzsignal wird beachtet"),
    ("settings", "Cookie-Einstellungen"),
    ("show_cookies", "Cookies anzeigen"),
    ("consent_id", "Ihre Einwilligungs-ID"),
    ("col_name", "Name"),
    ("col_provider", "Anbieter"),
    ("col_purpose", "Zweck"),
    ("col_expires", "Speicherdauer"),
    ("col_kind", "Art"),
    ("col_party", "Gesetzt von"),
    ("first_party", "Diese Website"),
    ("third_party", "Drittanbieter"),
    ("kind_cookie", "Cookie"),
    ("kind_local_storage", "Lokaler Speicher"),
    ("kind_session_storage", "Sitzungsspeicher"),
    ("kind_pixel", "Pixel"),
    ("session", "Sitzung"),
    ("unit_minute", "Minute|Minuten"),
    ("unit_hour", "Stunde|Stunden"),
    ("unit_day", "Tag|Tage"),
    ("unit_week", "Woche|Wochen"),
    ("unit_month", "Monat|Monate"),
    ("unit_year", "Jahr|Jahre"),
    ("policy_title", "Cookie-Richtlinie"),
    ("policy_what_title", "Was sind Cookies?"),
    (
        "policy_what_text",
        "Cookies sind kleine Textdateien, die eine Website in Ihrem Browser speichert. Ähnliche Technologien wie der lokale Speicher und Tracking-Pixel funktionieren auf dieselbe Weise; in dieser Richtlinie werden sie alle als Cookies bezeichnet. Einige sind für den Betrieb der Website erforderlich; die übrigen verwenden wir nur mit Ihrer Einwilligung.",
    ),
    (
        "policy_choice_title",
        "So akzeptieren oder ablehnen Sie Cookies",
    ),
    (
        "policy_choice_text",
        "Bei Ihrem ersten Besuch fragen wir Sie, welche optionalen Cookies Sie akzeptieren. Ablehnen ist genauso einfach wie Akzeptieren, und Sie können Ihre Auswahl jederzeit über die Schaltfläche unten ändern oder widerrufen. Sie können Cookies auch in den Einstellungen Ihres Browsers blockieren oder löschen; die Website funktioniert dann weiterhin, einige Funktionen jedoch möglicherweise nicht.",
    ),
    ("policy_list_title", "Welche Cookies wir verwenden"),
    ("policy_required", "Immer aktiv"),
    ("policy_optional", "Nur mit Ihrer Einwilligung"),
    (
        "policy_none",
        "In dieser Kategorie sind keine Cookies angegeben.",
    ),
    ("policy_updated", "Zuletzt aktualisiert"),
    ("policy_contact_title", "Kontakt"),
    (
        "policy_contact_text",
        "Bei Fragen zu dieser Richtlinie oder zu Ihrer Einwilligung schreiben Sie bitte an",
    ),
    ("policy_language", "Sprache"),
    ("privacy_policy", "Datenschutzerklärung"),
    ("skip_to_content", "Zum Inhalt springen"),
];

const ES: Table = &[
    ("banner_title", "Utilizamos cookies"),
    (
        "banner_text",
        "Algunas cookies son necesarias para que este sitio funcione. Con su consentimiento, también utilizamos otras para entender cómo se usa el sitio y mostrar publicidad relevante. Acéptelas o rechácelas todas, o elija por finalidad; puede cambiar de opinión en cualquier momento.",
    ),
    ("accept_all", "Aceptar todas"),
    ("reject_all", "Rechazar todas"),
    ("customize", "Personalizar"),
    ("save", "Guardar mis preferencias"),
    ("preferences_title", "Preferencias de cookies"),
    (
        "preferences_text",
        "Elija qué cookies podemos utilizar. Las cookies estrictamente necesarias no se pueden desactivar: el sitio no funciona sin ellas.",
    ),
    ("close", "Cerrar"),
    ("always_on", "Siempre activas"),
    ("cookie_policy", "Política de cookies"),
    (
        "gpc_notice",
        "Su navegador ha enviado una señal Global Privacy Control, por lo que todas las cookies opcionales están desactivadas. Aun así, puede activar categorías en la configuración de cookies.",
    ),
    ("gpc_title", "Respetamos su señal de privacidad"),
    ("settings", "Configuración de cookies"),
    ("show_cookies", "Ver cookies"),
    ("consent_id", "Su identificador de consentimiento"),
    ("col_name", "Nombre"),
    ("col_provider", "Proveedor"),
    ("col_purpose", "Finalidad"),
    ("col_expires", "Duración"),
    ("col_kind", "Tipo"),
    ("col_party", "Origen"),
    ("first_party", "Este sitio"),
    ("third_party", "Un tercero"),
    ("kind_cookie", "Cookie"),
    ("kind_local_storage", "Almacenamiento local"),
    ("kind_session_storage", "Almacenamiento de sesión"),
    ("kind_pixel", "Píxel"),
    ("session", "Sesión"),
    ("unit_minute", "minuto|minutos"),
    ("unit_hour", "hora|horas"),
    ("unit_day", "día|días"),
    ("unit_week", "semana|semanas"),
    ("unit_month", "mes|meses"),
    ("unit_year", "año|años"),
    ("policy_title", "Política de cookies"),
    ("policy_what_title", "¿Qué son las cookies?"),
    (
        "policy_what_text",
        "Las cookies son pequeños archivos de texto que un sitio web guarda en su navegador. Otras tecnologías similares, como el almacenamiento local y los píxeles de seguimiento, funcionan del mismo modo; en esta política las llamamos a todas cookies. Algunas son necesarias para que el sitio funcione; las demás solo las utilizamos si usted lo acepta.",
    ),
    ("policy_choice_title", "Cómo aceptar o rechazar las cookies"),
    (
        "policy_choice_text",
        "En su primera visita le preguntamos qué cookies opcionales acepta. Rechazarlas es tan fácil como aceptarlas, y puede cambiar o retirar su elección en cualquier momento con el botón que encontrará más abajo. También puede bloquear o eliminar las cookies en la configuración de su navegador; el sitio seguirá funcionando, aunque es posible que algunas funciones no estén disponibles.",
    ),
    ("policy_list_title", "Las cookies que utilizamos"),
    ("policy_required", "Siempre activas"),
    ("policy_optional", "Solo con su consentimiento"),
    (
        "policy_none",
        "No se ha declarado ninguna cookie en esta categoría.",
    ),
    ("policy_updated", "Última actualización"),
    ("policy_contact_title", "Contacto"),
    (
        "policy_contact_text",
        "Si tiene cualquier pregunta sobre esta política o sobre su consentimiento, escriba a",
    ),
    ("policy_language", "Idioma"),
    ("privacy_policy", "Política de privacidad"),
    ("skip_to_content", "Saltar al contenido"),
];

const IT: Table = &[
    ("banner_title", "Utilizziamo i cookie"),
    (
        "banner_text",
        "Alcuni cookie sono necessari per il funzionamento di questo sito. Con il suo consenso ne utilizziamo anche altri per capire come viene usato il sito e per mostrare pubblicità pertinente. Può accettarli o rifiutarli tutti, oppure scegliere in base alla finalità; può cambiare idea in qualsiasi momento.",
    ),
    ("accept_all", "Accetta tutti"),
    ("reject_all", "Rifiuta tutti"),
    ("customize", "Personalizza"),
    ("save", "Salva le mie scelte"),
    ("preferences_title", "Preferenze sui cookie"),
    (
        "preferences_text",
        "Scelga quali cookie possiamo utilizzare. I cookie strettamente necessari non possono essere disattivati: il sito non funziona senza di essi.",
    ),
    ("close", "Chiudi"),
    ("always_on", "Sempre attivi"),
    ("cookie_policy", "Informativa sui cookie"),
    (
        "gpc_notice",
        "Il suo browser ha inviato un segnale Global Privacy Control, quindi tutti i cookie facoltativi sono disattivati. Può comunque attivare singole categorie nelle impostazioni dei cookie.",
    ),
    ("gpc_title", "Rispettiamo il suo segnale di privacy"),
    ("settings", "Impostazioni dei cookie"),
    ("show_cookies", "Mostra i cookie"),
    ("consent_id", "Il suo identificativo di consenso"),
    ("col_name", "Nome"),
    ("col_provider", "Fornitore"),
    ("col_purpose", "Finalità"),
    ("col_expires", "Durata"),
    ("col_kind", "Tipo"),
    ("col_party", "Installato da"),
    ("first_party", "Questo sito"),
    ("third_party", "Terza parte"),
    ("kind_cookie", "Cookie"),
    ("kind_local_storage", "Archiviazione locale"),
    ("kind_session_storage", "Archiviazione di sessione"),
    ("kind_pixel", "Pixel"),
    ("session", "Sessione"),
    ("unit_minute", "minuto|minuti"),
    ("unit_hour", "ora|ore"),
    ("unit_day", "giorno|giorni"),
    ("unit_week", "settimana|settimane"),
    ("unit_month", "mese|mesi"),
    ("unit_year", "anno|anni"),
    ("policy_title", "Informativa sui cookie"),
    ("policy_what_title", "Che cosa sono i cookie"),
    (
        "policy_what_text",
        "I cookie sono piccoli file di testo che un sito web memorizza nel suo browser. Tecnologie simili, come l'archiviazione locale e i pixel di tracciamento, funzionano allo stesso modo; in questa informativa le chiamiamo tutte cookie. Alcuni sono necessari per il funzionamento del sito; gli altri li utilizziamo solo con il suo consenso.",
    ),
    ("policy_choice_title", "Come accettare o rifiutare i cookie"),
    (
        "policy_choice_text",
        "Alla sua prima visita le chiediamo quali cookie facoltativi accetta. Rifiutare è semplice quanto accettare, e può modificare o revocare la sua scelta in qualsiasi momento con il pulsante qui sotto. Può anche bloccare o eliminare i cookie nelle impostazioni del suo browser; il sito continuerà a funzionare, anche se alcune funzioni potrebbero non essere disponibili.",
    ),
    ("policy_list_title", "I cookie che utilizziamo"),
    ("policy_required", "Sempre attivi"),
    ("policy_optional", "Solo con il suo consenso"),
    (
        "policy_none",
        "In questa categoria non è dichiarato alcun cookie.",
    ),
    ("policy_updated", "Ultimo aggiornamento"),
    ("policy_contact_title", "Contatti"),
    (
        "policy_contact_text",
        "Per qualsiasi domanda su questa informativa o sul suo consenso, scriva a",
    ),
    ("policy_language", "Lingua"),
    ("privacy_policy", "Informativa sulla privacy"),
    ("skip_to_content", "Vai al contenuto"),
];

const NL: Table = &[
    ("banner_title", "Wij gebruiken cookies"),
    (
        "banner_text",
        "Sommige cookies zijn nodig om deze website te laten werken. Met uw toestemming gebruiken we ook andere cookies, om te begrijpen hoe de website wordt gebruikt en om relevante advertenties te tonen. Accepteer of weiger ze allemaal, of kies per doel; u kunt uw keuze op elk moment wijzigen.",
    ),
    ("accept_all", "Alles accepteren"),
    ("reject_all", "Alles weigeren"),
    ("customize", "Aanpassen"),
    ("save", "Mijn keuzes opslaan"),
    ("preferences_title", "Cookievoorkeuren"),
    (
        "preferences_text",
        "Kies welke cookies wij mogen gebruiken. Strikt noodzakelijke cookies kunnen niet worden uitgeschakeld: zonder deze cookies werkt de website niet.",
    ),
    ("close", "Sluiten"),
    ("always_on", "Altijd actief"),
    ("cookie_policy", "Cookiebeleid"),
    (
        "gpc_notice",
        "Uw browser heeft een Global Privacy Control-signaal verzonden, daarom staan alle optionele cookies uit. U kunt categorieën nog steeds inschakelen via de cookie-instellingen.",
    ),
    ("gpc_title", "Uw privacysignaal wordt gerespecteerd"),
    ("settings", "Cookie-instellingen"),
    ("show_cookies", "Cookies bekijken"),
    ("consent_id", "Uw toestemmings-ID"),
    ("col_name", "Naam"),
    ("col_provider", "Aanbieder"),
    ("col_purpose", "Doel"),
    ("col_expires", "Bewaartermijn"),
    ("col_kind", "Type"),
    ("col_party", "Geplaatst door"),
    ("first_party", "Deze website"),
    ("third_party", "Derde partij"),
    ("kind_cookie", "Cookie"),
    ("kind_local_storage", "Lokale opslag"),
    ("kind_session_storage", "Sessieopslag"),
    ("kind_pixel", "Pixel"),
    ("session", "Sessie"),
    ("unit_minute", "minuut|minuten"),
    ("unit_hour", "uur|uur"),
    ("unit_day", "dag|dagen"),
    ("unit_week", "week|weken"),
    ("unit_month", "maand|maanden"),
    ("unit_year", "jaar|jaar"),
    ("policy_title", "Cookiebeleid"),
    ("policy_what_title", "Wat zijn cookies?"),
    (
        "policy_what_text",
        "Cookies zijn kleine tekstbestanden die een website in uw browser opslaat. Vergelijkbare technieken, zoals lokale opslag en trackingpixels, werken op dezelfde manier; in dit beleid noemen we ze allemaal cookies. Sommige zijn nodig om de website te laten werken; de andere gebruiken we alleen als u daarmee instemt.",
    ),
    ("policy_choice_title", "Cookies accepteren of weigeren"),
    (
        "policy_choice_text",
        "Bij uw eerste bezoek vragen we welke optionele cookies u accepteert. Weigeren is net zo eenvoudig als accepteren, en u kunt uw keuze op elk moment wijzigen of intrekken met de knop hieronder. U kunt cookies ook blokkeren of verwijderen in de instellingen van uw browser; de website blijft dan werken, al zijn sommige functies mogelijk niet beschikbaar.",
    ),
    ("policy_list_title", "De cookies die we gebruiken"),
    ("policy_required", "Altijd actief"),
    ("policy_optional", "Alleen met uw toestemming"),
    (
        "policy_none",
        "In deze categorie zijn geen cookies opgegeven.",
    ),
    ("policy_updated", "Laatst bijgewerkt"),
    ("policy_contact_title", "Contact"),
    (
        "policy_contact_text",
        "Met vragen over dit beleid of over uw toestemming kunt u terecht bij",
    ),
    ("policy_language", "Taal"),
    ("privacy_policy", "Privacyverklaring"),
    ("skip_to_content", "Naar de inhoud"),
];

const PL: Table = &[
    ("banner_title", "Używamy plików cookie"),
    (
        "banner_text",
        "Niektóre pliki cookie są niezbędne do działania tej witryny. Za Państwa zgodą używamy także innych, aby zrozumieć, w jaki sposób witryna jest używana, i wyświetlać dopasowane reklamy. Mogą Państwo zaakceptować lub odrzucić wszystkie albo wybrać według celu; swoją decyzję można zmienić w dowolnym momencie.",
    ),
    ("accept_all", "Zaakceptuj wszystkie"),
    ("reject_all", "Odrzuć wszystkie"),
    ("customize", "Dostosuj"),
    ("save", "Zapisz wybór"),
    ("preferences_title", "Preferencje dotyczące plików cookie"),
    (
        "preferences_text",
        "Prosimy wybrać, których plików cookie możemy używać. Niezbędnych plików cookie nie można wyłączyć: bez nich witryna nie działa.",
    ),
    ("close", "Zamknij"),
    ("always_on", "Zawsze włączone"),
    ("cookie_policy", "Polityka plików cookie"),
    (
        "gpc_notice",
        "Państwa przeglądarka wysłała sygnał Global Privacy Control, dlatego wszystkie opcjonalne pliki cookie są wyłączone. Nadal mogą Państwo włączyć wybrane kategorie w ustawieniach plików cookie.",
    ),
    ("gpc_title", "Szanujemy Państwa sygnał prywatności"),
    ("settings", "Ustawienia plików cookie"),
    ("show_cookies", "Pokaż pliki cookie"),
    ("consent_id", "Identyfikator Państwa zgody"),
    ("col_name", "Nazwa"),
    ("col_provider", "Dostawca"),
    ("col_purpose", "Cel"),
    ("col_expires", "Okres przechowywania"),
    ("col_kind", "Rodzaj"),
    ("col_party", "Źródło"),
    ("first_party", "Ta witryna"),
    ("third_party", "Podmiot zewnętrzny"),
    ("kind_cookie", "Plik cookie"),
    ("kind_local_storage", "Pamięć lokalna"),
    ("kind_session_storage", "Pamięć sesji"),
    ("kind_pixel", "Piksel"),
    ("session", "Sesja"),
    ("unit_minute", "minuta|minuty|minut"),
    ("unit_hour", "godzina|godziny|godzin"),
    ("unit_day", "dzień|dni|dni"),
    ("unit_week", "tydzień|tygodnie|tygodni"),
    ("unit_month", "miesiąc|miesiące|miesięcy"),
    ("unit_year", "rok|lata|lat"),
    ("policy_title", "Polityka plików cookie"),
    ("policy_what_title", "Czym są pliki cookie"),
    (
        "policy_what_text",
        "Pliki cookie to małe pliki tekstowe, które witryna zapisuje w Państwa przeglądarce. Podobne technologie, takie jak pamięć lokalna i piksele śledzące, działają w ten sam sposób; w tej polityce wszystkie nazywamy plikami cookie. Niektóre są niezbędne do działania witryny; pozostałych używamy tylko za Państwa zgodą.",
    ),
    (
        "policy_choice_title",
        "Jak zaakceptować lub odrzucić pliki cookie",
    ),
    (
        "policy_choice_text",
        "Podczas pierwszej wizyty pytamy, które opcjonalne pliki cookie Państwo akceptują. Odrzucenie jest równie proste jak akceptacja, a swój wybór mogą Państwo w każdej chwili zmienić lub wycofać za pomocą przycisku poniżej. Pliki cookie można też zablokować lub usunąć w ustawieniach przeglądarki; witryna nadal będzie działać, choć niektóre funkcje mogą być niedostępne.",
    ),
    ("policy_list_title", "Pliki cookie, których używamy"),
    ("policy_required", "Zawsze aktywne"),
    ("policy_optional", "Tylko za Państwa zgodą"),
    (
        "policy_none",
        "W tej kategorii nie zadeklarowano żadnych plików cookie.",
    ),
    ("policy_updated", "Ostatnia aktualizacja"),
    ("policy_contact_title", "Kontakt"),
    (
        "policy_contact_text",
        "W razie pytań dotyczących tej polityki lub Państwa zgody prosimy o kontakt pod adresem",
    ),
    ("policy_language", "Język"),
    ("privacy_policy", "Polityka prywatności"),
    ("skip_to_content", "Przejdź do treści"),
];

const PT: Table = &[
    ("banner_title", "Utilizamos cookies"),
    (
        "banner_text",
        "Alguns cookies são necessários para o funcionamento deste site. Com o seu consentimento, utilizamos também outros para compreender como o site é utilizado e para apresentar publicidade relevante. Pode aceitá-los ou rejeitá-los todos, ou escolher por finalidade; pode alterar a sua escolha a qualquer momento.",
    ),
    ("accept_all", "Aceitar todos"),
    ("reject_all", "Rejeitar todos"),
    ("customize", "Personalizar"),
    ("save", "Guardar as minhas escolhas"),
    ("preferences_title", "Preferências de cookies"),
    (
        "preferences_text",
        "Escolha os cookies que podemos utilizar. Os cookies estritamente necessários não podem ser desativados: o site não funciona sem eles.",
    ),
    ("close", "Fechar"),
    ("always_on", "Sempre ativos"),
    ("cookie_policy", "Política de cookies"),
    (
        "gpc_notice",
        "O seu navegador enviou um sinal Global Privacy Control, pelo que todos os cookies opcionais estão desativados. Pode, ainda assim, ativar categorias nas definições de cookies.",
    ),
    ("gpc_title", "O seu sinal de privacidade é respeitado"),
    ("settings", "Definições de cookies"),
    ("show_cookies", "Ver cookies"),
    ("consent_id", "O seu identificador de consentimento"),
    ("col_name", "Nome"),
    ("col_provider", "Fornecedor"),
    ("col_purpose", "Finalidade"),
    ("col_expires", "Duração"),
    ("col_kind", "Tipo"),
    ("col_party", "Colocado por"),
    ("first_party", "Este site"),
    ("third_party", "Um terceiro"),
    ("kind_cookie", "Cookie"),
    ("kind_local_storage", "Armazenamento local"),
    ("kind_session_storage", "Armazenamento de sessão"),
    ("kind_pixel", "Píxel"),
    ("session", "Sessão"),
    ("unit_minute", "minuto|minutos"),
    ("unit_hour", "hora|horas"),
    ("unit_day", "dia|dias"),
    ("unit_week", "semana|semanas"),
    ("unit_month", "mês|meses"),
    ("unit_year", "ano|anos"),
    ("policy_title", "Política de cookies"),
    ("policy_what_title", "O que são cookies"),
    (
        "policy_what_text",
        "Os cookies são pequenos ficheiros de texto que um site guarda no seu navegador. Tecnologias semelhantes, como o armazenamento local e os píxeis de rastreio, funcionam da mesma forma; nesta política, são todos designados por cookies. Alguns são necessários para o funcionamento do site; os restantes só os utilizamos com o seu consentimento.",
    ),
    ("policy_choice_title", "Como aceitar ou recusar cookies"),
    (
        "policy_choice_text",
        "Na sua primeira visita, perguntamos-lhe que cookies opcionais aceita. Recusar é tão fácil como aceitar, e pode alterar ou retirar a sua escolha a qualquer momento através do botão abaixo. Também pode bloquear ou eliminar cookies nas definições do seu navegador; o site continua a funcionar, embora algumas funcionalidades possam deixar de estar disponíveis.",
    ),
    ("policy_list_title", "Os cookies que utilizamos"),
    ("policy_required", "Sempre ativos"),
    ("policy_optional", "Apenas com o seu consentimento"),
    (
        "policy_none",
        "Não está declarado nenhum cookie nesta categoria.",
    ),
    ("policy_updated", "Última atualização"),
    ("policy_contact_title", "Contacto"),
    (
        "policy_contact_text",
        "Para qualquer questão sobre esta política ou sobre o seu consentimento, escreva para",
    ),
    ("policy_language", "Idioma"),
    ("privacy_policy", "Política de privacidade"),
    ("skip_to_content", "Saltar para o conteúdo"),
];

/// Languages with built-in texts, by primary subtag.
const BUILTIN: &[(&str, Table)] = &[
    ("en", EN),
    ("fr", FR),
    ("de", DE),
    ("es", ES),
    ("it", IT),
    ("nl", NL),
    ("pl", PL),
    ("pt", PT),
];

fn builtin(lang: &Lang) -> Option<Table> {
    BUILTIN
        .iter()
        .find(|(code, _)| *code == lang.as_str() || *code == lang.primary())
        .map(|(_, table)| *table)
}

pub fn has_builtin(lang: &Lang) -> bool {
    builtin(lang).is_some()
}

/// Every key a site may override in `[texts.<lang>]`.
pub fn keys() -> Vec<&'static str> {
    EN.iter().map(|(k, _)| *k).collect()
}

/// The interface texts of one language: the site's overrides, then the built-in texts of that
/// language, then English.
#[derive(Clone, Debug)]
pub struct UiTexts {
    lang: Lang,
    map: BTreeMap<&'static str, String>,
}

impl UiTexts {
    pub fn new(registry: &Registry, lang: &Lang) -> UiTexts {
        let own = builtin(lang).unwrap_or(EN);
        let overrides = registry.texts.get(lang);
        let map = EN
            .iter()
            .map(|(key, english)| {
                let text = overrides
                    .and_then(|o| o.get(*key).cloned())
                    .or_else(|| {
                        own.iter()
                            .find(|(k, _)| k == key)
                            .map(|(_, t)| (*t).to_owned())
                    })
                    .unwrap_or_else(|| (*english).to_owned());
                (*key, text)
            })
            .collect();
        UiTexts {
            lang: lang.clone(),
            map,
        }
    }

    pub fn get<'a>(&'a self, key: &'a str) -> &'a str {
        self.map.get(key).map(String::as_str).unwrap_or(key)
    }

    pub fn map(&self) -> &BTreeMap<&'static str, String> {
        &self.map
    }

    /// A lifetime in words: "Session", "13 months", "1 an", "5 lat".
    pub fn lifetime(&self, lifetime: Lifetime) -> String {
        let Lifetime::For { count, unit } = lifetime else {
            return self.get("session").to_owned();
        };
        let key = format!("unit_{}", unit.as_str());
        let forms: Vec<&str> = self.get(&key).split('|').collect();
        let index = match plural_category(&self.lang, count) {
            Plural::One => 0,
            Plural::Few => 1.min(forms.len() - 1),
            Plural::Other => forms.len() - 1,
        };
        format!("{count} {}", forms[index])
    }
}

enum Plural {
    One,
    Few,
    Other,
}

/// CLDR plural category of a positive whole number, for the built-in languages.
fn plural_category(lang: &Lang, n: u32) -> Plural {
    match lang.primary() {
        "pl" if n == 1 => Plural::One,
        "pl" if (2..=4).contains(&(n % 10)) && !(12..=14).contains(&(n % 100)) => Plural::Few,
        "pl" => Plural::Other,
        _ if n == 1 => Plural::One,
        _ => Plural::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::Unit;

    fn texts_in(lang: &str) -> UiTexts {
        let src = format!(
            r#"
[site]
name = "Example"
url = "https://www.example.com"
languages = ["{lang}"]

[[category]]
id = "necessary"
title = "Necessary"
description = "Needed for the site to work."
required = true

[[cookie]]
name = "sid"
category = "necessary"
purpose = "Keeps the session."
expires = "session"
"#
        );
        let loaded = crate::registry::parse("t.toml", &src).expect("valid registry");
        let lang = Lang::parse(lang).expect("language tag");
        UiTexts::new(&loaded.registry, &lang)
    }

    #[test]
    fn every_builtin_language_has_exactly_the_english_keys() {
        let english = keys();
        for (code, table) in BUILTIN {
            let own: Vec<&str> = table.iter().map(|(k, _)| *k).collect();
            assert_eq!(own, english, "keys of {code}");
            for (key, text) in *table {
                assert!(!text.trim().is_empty(), "{code}.{key} is empty");
                if key.starts_with("unit_") {
                    let forms = text.split('|').count();
                    assert!((2..=3).contains(&forms), "{code}.{key} has {forms} forms");
                }
            }
        }
    }

    #[test]
    fn polish_lifetimes_use_one_few_and_many_forms() {
        let pl = texts_in("pl");
        let years = |count| {
            pl.lifetime(Lifetime::For {
                count,
                unit: Unit::Year,
            })
        };
        assert_eq!(years(1), "1 rok");
        assert_eq!(years(2), "2 lata");
        assert_eq!(years(5), "5 lat");
        assert_eq!(years(22), "22 lata");
        assert_eq!(years(12), "12 lat");
        let months = |count| {
            pl.lifetime(Lifetime::For {
                count,
                unit: Unit::Month,
            })
        };
        assert_eq!(months(3), "3 miesiące");
        assert_eq!(months(13), "13 miesięcy");
        assert_eq!(pl.lifetime(Lifetime::Session), "Sesja");
    }
}
