/**
 * The HTML report's chart code, run by the browser after the inline d3 bundle.
 *
 * Kept as a string (not a function serialised with toString) so that what ships is exactly
 * this text, whatever compiles or instruments the TypeScript around it; it must not
 * contain a backtick, "${" or "</script". It reads the chart model (chart-model.ts) from
 * the #edgescope-charts JSON element and draws four SVG charts with d3. Every label comes
 * from the model or from d3 tick formatting, and all text is set with .text(), never as
 * markup. Colours come from the stylesheet's phase classes so that the charts, tables and
 * legend cannot disagree.
 */
export const CHART_SCRIPT = String.raw`
(function () {
  'use strict';

  var model = JSON.parse(document.getElementById('edgescope-charts').textContent);
  var PHASES = ['memory', 'compute', 'overhead'];
  var LABEL_WIDTH = 200;
  var MIN_WIDTH = 520;

  function chartWidth(container) {
    return Math.max(MIN_WIDTH, Math.floor(container.getBoundingClientRect().width));
  }

  function createSvg(container, width, height) {
    return d3.select(container).append('svg')
      .attr('width', width).attr('height', height)
      .attr('viewBox', [0, 0, width, height].join(' '));
  }

  // Long op names are cut to fit their column; the full name stays in the tooltip.
  function truncate(text, maxChars) {
    if (maxChars < 2) return '';
    return text.length <= maxChars ? text : text.slice(0, maxChars - 1) + '\u2026';
  }

  var CHAR_PX = 6.6;

  function xAxis(svg, x, y, height, label, ticks, format) {
    var axis = d3.axisBottom(x).ticks(ticks).tickSizeOuter(0);
    if (format) axis.tickFormat(format);
    var g = svg.append('g').attr('class', 'axis').attr('transform', 'translate(0,' + y + ')').call(axis);
    svg.insert('g', ':first-child').attr('class', 'grid')
      .attr('transform', 'translate(0,' + y + ')')
      .call(d3.axisBottom(x).ticks(ticks).tickSize(-height).tickFormat(function () { return ''; }));
    var range = x.range();
    svg.append('text').attr('class', 'axis-label')
      .attr('x', range[1]).attr('y', y + 32).attr('text-anchor', 'end').text(label);
    return g;
  }

  // --- Latency: every timed run as a dot, the median as a bar, its 95% CI as a whisker.
  function drawLatency(container, rows) {
    var width = chartWidth(container);
    var margin = { top: 10, right: 90, bottom: 42, left: LABEL_WIDTH };
    var rowHeight = 46;
    var height = margin.top + margin.bottom + rows.length * rowHeight;
    var values = [];
    rows.forEach(function (row) { values = values.concat(row.runsMs, row.ci95); });
    var extent = d3.extent(values);
    if (extent[0] === extent[1]) extent = [extent[0] * 0.95, extent[1] * 1.05];
    var x = d3.scaleLinear().domain(extent).nice().range([margin.left, width - margin.right]);
    var y = d3.scaleBand().domain(d3.range(rows.length)).range([margin.top, height - margin.bottom]).padding(0.2);
    var svg = createSvg(container, width, height);
    xAxis(svg, x, height - margin.bottom, height - margin.top - margin.bottom, 'latency per timed run (ms)', 8);

    rows.forEach(function (row, i) {
      var band = y.bandwidth();
      var mid = y(i) + band / 2;
      var g = svg.append('g').attr('class', 'latency-row');
      g.append('text').attr('class', 'row-label').attr('x', margin.left - 12).attr('y', mid)
        .attr('dy', '0.35em').attr('text-anchor', 'end').text(truncate(row.label, Math.floor((LABEL_WIDTH - 16) / CHAR_PX)));
      // Deterministic jitter (golden-ratio sequence) spreads overlapping runs vertically.
      g.append('g').selectAll('circle').data(row.runsMs).join('circle')
        .attr('class', 'run-mark')
        .attr('cx', function (d) { return x(d); })
        .attr('cy', function (d, k) { return mid + (((k * 0.6180339887) % 1) - 0.5) * band * 0.8; })
        .attr('r', 2.6);
      var ci = g.append('g').attr('class', 'ci');
      ci.append('title').text(row.title);
      ci.append('line').attr('x1', x(row.ci95[0])).attr('x2', x(row.ci95[1])).attr('y1', mid).attr('y2', mid);
      [row.ci95[0], row.ci95[1]].forEach(function (v) {
        ci.append('line').attr('x1', x(v)).attr('x2', x(v)).attr('y1', mid - band * 0.22).attr('y2', mid + band * 0.22);
      });
      ci.append('line').attr('class', 'median-mark')
        .attr('x1', x(row.medianMs)).attr('x2', x(row.medianMs)).attr('y1', mid - band * 0.45).attr('y2', mid + band * 0.45);
      g.append('text').attr('class', 'value-label').attr('x', width - margin.right + 10).attr('y', mid)
        .attr('dy', '0.35em').text(row.medianLabel);
    });
  }

  // --- Top ops: one group per variant x EP, each op's median time stacked by phase.
  function drawTopOps(container, groups) {
    var width = chartWidth(container);
    var margin = { top: 4, right: 80, bottom: 42, left: LABEL_WIDTH };
    var barHeight = 16;
    var barGap = 6;
    var headingHeight = 28;
    var layout = [];
    var cursor = margin.top;
    groups.forEach(function (group) {
      layout.push({ kind: 'heading', group: group, y: cursor });
      cursor += headingHeight;
      group.ops.forEach(function (op) {
        layout.push({ kind: 'op', op: op, y: cursor });
        cursor += barHeight + barGap;
      });
      cursor += barGap;
    });
    var height = cursor + margin.bottom;
    var total = function (op) { return op.memoryUs + op.computeUs + op.overheadUs; };
    var maxUs = d3.max(groups, function (group) { return d3.max(group.ops, total); }) || 1;
    var x = d3.scaleLinear().domain([0, maxUs]).nice().range([margin.left, width - margin.right]);
    var svg = createSvg(container, width, height);
    xAxis(svg, x, height - margin.bottom, height - margin.top - margin.bottom, 'median time per op (\u00b5s)', 8);

    layout.forEach(function (item) {
      if (item.kind === 'heading') {
        svg.append('text').attr('class', 'group-label').attr('x', 0).attr('y', item.y + 18).text(item.group.label);
        return;
      }
      var op = item.op;
      var g = svg.append('g').attr('class', 'op-bar' + (op.lowConfidence ? ' low-confidence' : ''));
      g.append('title').text(op.title);
      g.append('text').attr('class', 'row-label').attr('x', margin.left - 10).attr('y', item.y + barHeight / 2)
        .attr('dy', '0.35em').attr('text-anchor', 'end')
        .text(truncate(op.name, Math.floor((LABEL_WIDTH - 24) / CHAR_PX)) + (op.lowConfidence ? ' *' : ''));
      var start = 0;
      PHASES.forEach(function (phase) {
        var us = op[phase + 'Us'];
        if (us <= 0) return;
        g.append('rect').attr('class', 'phase phase-' + phase)
          .attr('x', x(start)).attr('y', item.y)
          .attr('width', Math.max(0.5, x(start + us) - x(start))).attr('height', barHeight);
        start += us;
      });
      g.append('text').attr('class', 'value-label').attr('x', x(start) + 6).attr('y', item.y + barHeight / 2)
        .attr('dy', '0.35em').text(op.durLabel);
    });
  }

  // --- Timeline: one profiled run per lane on a shared axis; each span split into phases.
  function drawTimeline(container, lanes) {
    var width = chartWidth(container);
    var margin = { top: 6, right: 20, bottom: 42, left: LABEL_WIDTH };
    var rowHeight = 24;
    var laneGap = 14;
    var laneMinHeight = 38;
    var cursor = margin.top;
    var placed = lanes.map(function (lane) {
      var h = Math.max(laneMinHeight, lane.rows * rowHeight);
      var item = { lane: lane, y: cursor, height: h };
      cursor += h + laneGap;
      return item;
    });
    var height = cursor - laneGap + margin.bottom;
    var maxUs = d3.max(lanes, function (lane) { return lane.durUs; }) || 1;
    var inMs = maxUs >= 2000;
    var tickFormat = function (us) { return d3.format('~g')(inMs ? us / 1000 : us); };
    var x = d3.scaleLinear().domain([0, maxUs]).range([margin.left, width - margin.right]);
    var svg = createSvg(container, width, height).attr('class', 'timeline');
    var plotBottom = height - margin.bottom;
    var clipId = 'timeline-clip';
    svg.append('clipPath').attr('id', clipId).append('rect')
      .attr('x', margin.left).attr('y', 0).attr('width', width - margin.left - margin.right).attr('height', plotBottom);
    var axisGroup = xAxis(svg, x, plotBottom, plotBottom - margin.top,
      'time since the start of the run (' + (inMs ? 'ms' : '\u00b5s') + ')', 10, tickFormat);
    var grid = svg.select('.grid');
    var plot = svg.append('g').attr('clip-path', 'url(#' + clipId + ')');
    var rowInset = 3;

    placed.forEach(function (item) {
      var lane = item.lane;
      svg.append('text').attr('class', 'row-label').attr('x', margin.left - 12).attr('y', item.y + 14)
        .attr('text-anchor', 'end').text(truncate(lane.label, Math.floor((LABEL_WIDTH - 16) / CHAR_PX)));
      svg.append('text').attr('class', 'row-detail').attr('x', margin.left - 12).attr('y', item.y + 29)
        .attr('text-anchor', 'end').text(truncate(lane.detail, Math.floor((LABEL_WIDTH - 16) / 5.6)));
      plot.append('rect').attr('class', 'lane-window')
        .datum(lane).attr('y', item.y).attr('height', item.height);
      var spans = plot.append('g').selectAll('g').data(lane.spans).join('g').attr('class', 'span');
      spans.append('title').text(function (span) { return span.title; });
      spans.each(function (span) {
        var top = item.y + span.row * rowHeight + rowInset;
        d3.select(this).selectAll('rect').data(span.slices).join('rect')
          .attr('class', function (slice) { return 'phase phase-' + slice.phase; })
          .attr('y', top).attr('height', rowHeight - 2 * rowInset);
        d3.select(this).append('text').attr('class', 'span-label').attr('y', top + (rowHeight - 2 * rowInset) / 2).attr('dy', '0.35em');
      });
    });

    function place(scale) {
      plot.selectAll('rect.lane-window')
        .attr('x', scale(0))
        .attr('width', function (lane) { return Math.max(0, scale(lane.durUs) - scale(0)); });
      plot.selectAll('rect.phase')
        .attr('x', function (slice) { return scale(slice.startUs); })
        .attr('width', function (slice) { return Math.max(0.5, scale(slice.startUs + slice.durUs) - scale(slice.startUs)); });
      // Names only where a span is wide enough to hold a few characters.
      plot.selectAll('text.span-label').each(function () {
        var span = d3.select(this.parentNode).datum();
        var px = scale(span.startUs + span.durUs) - scale(span.startUs);
        d3.select(this).attr('x', scale(span.startUs) + 4).text(truncate(span.name, Math.floor((px - 8) / CHAR_PX)));
      });
      axisGroup.call(d3.axisBottom(scale).ticks(10).tickSizeOuter(0).tickFormat(tickFormat));
      grid.call(d3.axisBottom(scale).ticks(10).tickSize(-(plotBottom - margin.top)).tickFormat(function () { return ''; }));
    }
    place(x);

    // Ctrl/Cmd + wheel zooms (a plain wheel keeps scrolling the page), drag pans,
    // double-click resets.
    var zoom = d3.zoom()
      .scaleExtent([1, 5000])
      .extent([[margin.left, 0], [width - margin.right, plotBottom]])
      .translateExtent([[margin.left, 0], [width - margin.right, plotBottom]])
      .filter(function (event) {
        return event.type === 'wheel' ? event.ctrlKey || event.metaKey : !event.button && event.type !== 'dblclick';
      })
      .on('zoom', function (event) { place(event.transform.rescaleX(x)); });
    svg.call(zoom).on('dblclick', function () { svg.call(zoom.transform, d3.zoomIdentity); });
  }

  // --- Counters: one small line chart per sampled series, the timed window shaded.
  function drawCounters(container, charts) {
    var width = chartWidth(container);
    var columns = width >= 960 ? 3 : width >= 640 ? 2 : 1;
    var gap = 16;
    var cellWidth = Math.floor((width - gap * (columns - 1)) / columns);
    var cellHeight = 150;
    var margin = { top: 8, right: 12, bottom: 38, left: 48 };
    var grid = d3.select(container).append('div').attr('class', 'counter-grid')
      .style('grid-template-columns', 'repeat(' + columns + ', 1fr)');
    charts.forEach(function (chart) {
      var cell = grid.append('figure').attr('class', 'counter-chart');
      cell.append('figcaption').text(chart.title);
      var svg = createSvg(cell.node(), cellWidth, cellHeight);
      var times = chart.samples.map(function (s) { return s[0]; }).concat(chart.timedWindowS);
      var x = d3.scaleLinear().domain(d3.extent(times)).range([margin.left, cellWidth - margin.right]);
      var yMax = d3.max(chart.samples, function (s) { return s[1]; });
      var yMin = Math.min(0, d3.min(chart.samples, function (s) { return s[1]; }));
      var y = d3.scaleLinear().domain([yMin, yMax > yMin ? yMax : yMin + 1]).nice()
        .range([cellHeight - margin.bottom, margin.top]);
      svg.append('rect').attr('class', 'timed-window')
        .attr('x', x(chart.timedWindowS[0])).attr('width', Math.max(1, x(chart.timedWindowS[1]) - x(chart.timedWindowS[0])))
        .attr('y', margin.top).attr('height', cellHeight - margin.bottom - margin.top)
        .append('title').text('timed runs');
      svg.append('path').attr('class', 'counter-line')
        .attr('d', d3.line().x(function (s) { return x(s[0]); }).y(function (s) { return y(s[1]); })(chart.samples));
      svg.append('g').attr('class', 'axis').attr('transform', 'translate(0,' + (cellHeight - margin.bottom) + ')')
        .call(d3.axisBottom(x).ticks(4).tickSizeOuter(0));
      svg.append('g').attr('class', 'axis').attr('transform', 'translate(' + margin.left + ',0)')
        .call(d3.axisLeft(y).ticks(4).tickSizeOuter(0));
      svg.append('text').attr('class', 'axis-label').attr('x', cellWidth - margin.right).attr('y', cellHeight - 6)
        .attr('text-anchor', 'end').text('job time (s)');
      svg.append('text').attr('class', 'axis-label').attr('x', 4).attr('y', margin.top + 2)
        .attr('dy', '0.7em').text(chart.unit);
      cell.append('div').attr('class', 'counter-source').text('source: ' + chart.source);
    });
  }

  var CHARTS = [
    ['chart-latency', drawLatency, model.latency],
    ['chart-top-ops', drawTopOps, model.topOps],
    ['chart-timeline', drawTimeline, model.timeline],
    ['chart-counters', drawCounters, model.counters],
  ];

  // One failing chart must not take the others (or the tables) down with it.
  function drawAll() {
    CHARTS.forEach(function (entry) {
      var container = document.getElementById(entry[0]);
      if (!container) return;
      container.textContent = '';
      if (entry[2].length === 0) {
        container.textContent = 'Nothing to draw: no run recorded this.';
        return;
      }
      try {
        entry[1](container, entry[2]);
      } catch (error) {
        container.textContent = 'This chart could not be drawn: ' + (error && error.message);
        console.error(error);
      }
    });
  }

  drawAll();
  var lastWidth = document.documentElement.clientWidth;
  var pending = 0;
  window.addEventListener('resize', function () {
    clearTimeout(pending);
    pending = setTimeout(function () {
      if (document.documentElement.clientWidth === lastWidth) return;
      lastWidth = document.documentElement.clientWidth;
      drawAll();
    }, 150);
  });
})();
`;
