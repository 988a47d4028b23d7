/**
 * The report page's own script: it reads the report's data from `#report-data` and draws each
 * chart with Observable Plot (inlined before it, with d3) into its `<figure>`. Each mark carries
 * an `aria-description` naming what it draws, by which a test counts what was drawn.
 * Plain JavaScript, run by the browser as it is.
 *
 * @example
 * ```ts
 * const html = `<script>${CLIENT_SCRIPT}</script>`;
 * ```
 */
export const CLIENT_SCRIPT = `
(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const width = Math.max(640, Math.min(1200, document.body.clientWidth - 40));
  const kinds = ['map', 'reduce', 'retried', 'failed'];
  const colours = ['#4e79a7', '#59a14f', '#f28e2b', '#e15759'];
  const seconds = (ms) => (ms / 1000).toFixed(ms < 10000 ? 2 : 1) + ' s';
  const bytes = (b) => {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (b >= 1024 && i < units.length - 1) { b /= 1024; i++; }
    return (i === 0 ? b : b.toFixed(1)) + ' ' + units[i];
  };
  const short = (lane) => (lane.length > 28 ? '…' + lane.slice(-27) : lane);
  const put = (id, node) => {
    const figure = document.getElementById(id);
    if (figure) figure.append(node);
  };

  // The state machine's stages.
  put('stages', Plot.plot({
    width,
    height: 40 + 32 * data.stages.length,
    marginLeft: 80,
    marginRight: 60,
    x: { label: 'seconds from the start', transform: (ms) => ms / 1000, grid: true },
    y: { label: null, domain: data.stages.map((s) => s.name) },
    marks: [
      Plot.barX(data.stages, {
        x1: 'start', x2: 'end', y: 'name', fill: '#9c755f',
        title: (s) => s.name + ': ' + seconds(s.end - s.start),
        ariaDescription: 'stages',
      }),
      Plot.text(data.stages, {
        x: 'end', y: 'name', text: (s) => seconds(s.end - s.start), textAnchor: 'start', dx: 4,
      }),
    ],
  }));

  // Every task attempt, a row per worker or Lambda.
  // Past 40 lanes (a thousand Lambdas) they narrow to fit about 2,000 pixels, unnamed past 80.
  // Workers and Lambdas in name order, then the retried and failed lanes.
  const last = ['retried', 'failed', 'unknown'];
  const lanes = [...new Set(data.bars.map((b) => b.lane))].sort(
    (a, b) => last.indexOf(a) - last.indexOf(b) || (a < b ? -1 : a > b ? 1 : 0),
  );
  const laneHeight = lanes.length <= 40 ? 24 : Math.max(2, Math.floor(2000 / lanes.length));
  put('timeline', Plot.plot({
    width,
    height: 50 + laneHeight * Math.max(1, lanes.length),
    marginLeft: 200,
    x: { label: 'seconds from the start', transform: (ms) => ms / 1000, grid: true },
    y: { label: null, domain: lanes, tickFormat: short, axis: lanes.length > 80 ? null : 'left' },
    color: { domain: kinds, range: colours, legend: true },
    marks: [
      Plot.barX(data.bars, {
        x1: 'start', x2: (b) => Math.max(b.end, b.start + 1), y: 'lane', fill: 'kind',
        inset: 1, stroke: 'white',
        title: (b) => b.task + ' (' + b.lane + '): ' + seconds(b.end - b.start) + ', ' + b.note,
        ariaDescription: 'task attempts',
      }),
    ],
  }));

  // Bytes each task read and wrote.
  const moved = data.tasks.flatMap((t) => [
    { task: t.task, stage: t.stage, way: 'read', bytes: t.bytesIn },
    { task: t.task, stage: t.stage, way: 'written', bytes: t.bytesOut },
  ]);
  put('bytes', Plot.plot({
    width,
    height: 260,
    marginBottom: 60,
    // Past 60 tasks their names would overlap: the bars stay, in task order, unnamed.
    x: {
      label: null,
      domain: data.tasks.map((t) => t.task),
      tickRotate: -40,
      axis: data.tasks.length > 60 ? null : 'bottom',
    },
    y: { label: 'bytes', grid: true, tickFormat: bytes },
    fx: { label: null, domain: ['read', 'written'] },
    color: { domain: ['map', 'reduce'], range: [colours[0], colours[1]], legend: true },
    marks: [
      Plot.barY(moved, {
        fx: 'way', x: 'task', y: 'bytes', fill: 'stage',
        title: (d) => d.task + ' ' + d.way + ' ' + bytes(d.bytes),
        ariaDescription: 'task bytes',
      }),
      Plot.ruleY([0]),
    ],
  }));

  // Reducer skew: records and bytes per partition, against their mean.
  if (data.partitions.length > 0) {
    for (const [id, field, label] of [
      ['skew-records', 'recordsIn', 'records in'],
      ['skew-bytes', 'bytesIn', 'shuffle bytes in'],
    ]) {
      put(id, Plot.plot({
        width: Math.min(width, 120 + 28 * data.partitions.length),
        height: 240,
        x: { label: 'partition', type: 'band', axis: data.partitions.length > 60 ? null : 'bottom' },
        y: { label, grid: true, tickFormat: field === 'bytesIn' ? bytes : undefined },
        marks: [
          Plot.barY(data.partitions, {
            x: 'partition', y: field, fill: colours[1],
            title: (p) => 'partition ' + p.partition + ': ' + p[field] + ' ' + label,
            ariaDescription: 'partitions ' + field,
          }),
          Plot.ruleY([d3.mean(data.partitions, (p) => p[field])], { stroke: colours[3], strokeDasharray: '4 3' }),
          Plot.ruleY([0]),
        ],
      }));
    }
  }

  // Estimate against counted dollars.
  if (data.cost) {
    const dollars = data.cost.lines
      .filter((l) => l.unit === 'USD')
      .flatMap((l) => [
        { item: l.item, source: 'estimated', usd: l.estimated },
        ...(l.counted === undefined ? [] : [{ item: l.item, source: 'counted', usd: l.counted }]),
      ]);
    put('cost', Plot.plot({
      width: Math.min(width, 640),
      height: 240,
      x: { label: null, domain: ['estimated', 'counted'] },
      fx: { label: null },
      marginLeft: 70,
      y: { label: 'USD', grid: true, tickFormat: (x) => '$' + x.toPrecision(2) },
      color: { domain: ['estimated', 'counted'], range: [colours[2], colours[0]], legend: true },
      marks: [
        Plot.barY(dollars, {
          fx: 'item', x: 'source', y: 'usd', fill: 'source',
          title: (d) => d.item + ' ' + d.source + ': $' + d.usd.toPrecision(3),
          ariaDescription: 'cost',
        }),
        Plot.ruleY([0]),
      ],
    }));
  }
  document.body.dataset.rendered = 'true';
})();
`;
