// Draws the scorecard's bar chart from the figures the page carries as JSON
// (<script type="application/json">, so no inline script under the CSP). Without JavaScript,
// or without ECharts, the table below shows the same figures.
(function () {
  document.querySelectorAll("[data-scorecard-chart]").forEach(function (box) {
    var source = document.getElementById(box.dataset.scorecardChart);
    if (!source || !window.echarts) return;
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(box);
    chart.setOption({
      tooltip: { trigger: "axis", valueFormatter: function (v) { return v == null ? "—" : v + " %"; } },
      legend: {},
      grid: { containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { interval: 0, rotate: data.labels.length > 6 ? 30 : 0 } },
      yAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value} %" } },
      series: data.series.map(function (s) { return { name: s.name, type: "bar", data: s.data }; })
    });
    window.addEventListener("resize", function () { chart.resize(); });
  });
})();
