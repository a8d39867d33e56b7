// Click (or Enter on) a header to sort a table.sortable by that column; each cell's data-v holds its sort key.
// Numbers sort numerically, text lexically, and empty cells always go last.
(function () {
  document.querySelectorAll('table.sortable').forEach(function (t) {
    var heads = t.tHead.rows[0].cells;
    Array.prototype.forEach.call(heads, function (th, i) {
      th.tabIndex = 0;
      function sort() {
        var asc = th.getAttribute('aria-sort') !== 'ascending';
        Array.prototype.forEach.call(heads, function (h) { h.removeAttribute('aria-sort'); });
        th.setAttribute('aria-sort', asc ? 'ascending' : 'descending');
        var body = t.tBodies[0];
        // A row of class "sub" (a failed run's cause) belongs to the row above it and moves with it.
        var groups = [];
        Array.prototype.forEach.call(body.rows, function (r) {
          if (r.classList.contains('sub') && groups.length) { groups[groups.length - 1].push(r); }
          else { groups.push([r]); }
        });
        groups.sort(function (a, b) {
          var x = a[0].cells[i].getAttribute('data-v') || '', y = b[0].cells[i].getAttribute('data-v') || '';
          if (x === '' || y === '') { return x === y ? 0 : (x === '' ? 1 : -1); }
          var nx = Number(x), ny = Number(y);
          var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
          return asc ? c : -c;
        });
        groups.forEach(function (g) { g.forEach(function (r) { body.appendChild(r); }); });
      }
      th.addEventListener('click', sort);
      th.addEventListener('keydown', function (e) { if (e.key === 'Enter') { sort(); } });
    });
  });
})();
