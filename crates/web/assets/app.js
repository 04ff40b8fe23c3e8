// History charts with the vendored uPlot. The same values are in the table
// below each chart, so the page reads without this script.
(function () {
  var el = document.getElementById("history-chart");
  var data = document.getElementById("history-data");
  if (!el || !data || typeof uPlot === "undefined") return;
  var rows = JSON.parse(data.textContent);
  if (rows.length < 2) { el.textContent = "History needs two stored periods."; return; }
  var t = rows.map(function (r) { var p = r.month.split("-"); return Date.UTC(+p[0], +p[1] - 1, 1) / 1000; });
  var pct = function (k) { return rows.map(function (r) { return r[k] == null ? null : 100 * r[k]; }); };
  var opts = {
    width: Math.min(el.clientWidth || 600, 900), height: 220,
    scales: { y: { range: [0, 100] } },
    series: [{}, { label: "RPKI %", stroke: "#1f5fbf", width: 2 }, { label: "IRR %", stroke: "#2e8540", width: 2 },
      { label: "Filtering %", stroke: "#b5520b", width: 2 }, { label: "Anti-spoofing %", stroke: "#7a3fa0", width: 2 },
      { label: "Coordination %", stroke: "#5b6770", width: 2 }],
    axes: [{}, { values: function (u, v) { return v.map(function (x) { return x + "%"; }); } }]
  };
  new uPlot(opts, [t, pct("routingInformationRPKI"), pct("routingInformationIRR"), pct("filtering"),
    pct("antiSpoofing"), pct("coordination")], el);
  el.setAttribute("data-rendered", "uplot");
})();
