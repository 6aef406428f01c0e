// Fills every [data-transfer-src] with the fragment it names (the packages' sent / acknowledged
// status, cact/packages/transfer_pages.py), and again every minute while the page is open.
const REFRESH_MS = 60_000;

async function fill(box) {
  try {
    const response = await fetch(box.dataset.transferSrc, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
    });
    if (!response.ok) throw new Error(String(response.status));
    box.innerHTML = await response.text();
    box.dataset.state = "loaded";
  } catch {
    if (box.dataset.state !== "loaded") {
      box.textContent = box.dataset.unavailable || "";
      box.dataset.state = "failed";
    }
  }
}

for (const box of document.querySelectorAll("[data-transfer-src]")) {
  fill(box);
  setInterval(() => fill(box), REFRESH_MS);
}
