// Runs before the page is drawn: marks that scripts run, so that script-only controls show.
document.documentElement.classList.add("js");
