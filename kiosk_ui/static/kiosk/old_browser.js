// Loaded only by browsers without ES modules (nomodule): say so instead of a blank page.
// ES5 on purpose, and a static file because the page's policy allows no inline script.
(function () {
  var message = document.getElementById('boot-message');
  if (message) {
    message.textContent = message.getAttribute('data-old-browser') || '';
  }
})();
