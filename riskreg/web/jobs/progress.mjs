// A job's page, enhanced: while the job runs, the page is fetched again every 2 seconds and its status part
// replaced, so the progress bar moves without reloading. Without JavaScript, "Check progress" does the same.
const status = document.querySelector("[data-job-status]");

async function poll() {
  try {
    const response = await fetch(window.location.href, { credentials: "same-origin", cache: "no-store" });
    if (response.ok) {
      const page = new DOMParser().parseFromString(await response.text(), "text/html");
      const fresh = page.querySelector("[data-job-status]");
      if (fresh) {
        status.replaceChildren(...fresh.childNodes);
        status.dataset.finished = fresh.dataset.finished;
      }
    }
  } finally {
    if (status.dataset.finished !== "true") {
      window.setTimeout(poll, 2000);
    }
  }
}

if (status && status.dataset.finished !== "true") {
  window.setTimeout(poll, 2000);
}
