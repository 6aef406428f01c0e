// The printables' "Cetak" button (a static file: the page's policy allows no inline handler).
document.addEventListener('click', function (event) {
  var target = event.target;
  if (target && target.closest && target.closest('[data-print]')) {
    window.print();
  }
});
