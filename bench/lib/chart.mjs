// A horizontal bar chart on a log time axis, as a hand-written SVG string.
// groups: [{ label, bars: [{ label, ms, kind: 'ours' | 'peer' | 'derived', pregen?: boolean, note?: string }] }]
// A bar with a note and no ms (skipped, broken, n/a) is drawn as its label and the note.

const COLORS = { ours: '#e8590c', peer: '#4c6ef5', derived: '#868e96' };
const escape = (s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

function formatTime(ms) {
  if (ms >= 1000) return `${+(ms / 1000).toPrecision(3)} s`;
  return `${+ms.toPrecision(3)} ms`;
}

export function barChart(groups, { title = '' } = {}) {
  // The axis spans the measured bars; a derived bar (a difference, possibly tiny) does not stretch it.
  const values = groups.flatMap((g) => g.bars.filter((b) => b.kind !== 'derived').map((b) => b.ms)).filter((v) => v > 0);
  if (!values.length) return '<svg xmlns="http://www.w3.org/2000/svg" width="400" height="40"><text x="10" y="25">no data</text></svg>\n';
  const lo = Math.floor(Math.log10(Math.min(...values)));
  const hi = Math.ceil(Math.log10(Math.max(...values)));
  const span = Math.max(hi - lo, 1);

  const labelWidth = 330;
  const plotWidth = 560;
  const barHeight = 16;
  const gap = 4;
  const groupGap = 26;
  const top = 70;
  const x = (ms) => labelWidth + (plotWidth * (Math.log10(Math.max(ms, 10 ** lo)) - lo)) / span;

  const rows = [];
  let y = top;
  for (const group of groups) {
    rows.push(`<text x="8" y="${y + 12}" font-weight="bold">${escape(group.label)}</text>`);
    y += 18;
    for (const bar of group.bars) {
      const weight = bar.kind === 'ours' ? ' font-weight="bold"' : '';
      rows.push(`<text x="${labelWidth - 6}" y="${y + 12}" text-anchor="end"${weight}>${escape(bar.label)}</text>`);
      if (!(bar.ms > 0)) {
        rows.push(`<text x="${labelWidth + 4}" y="${y + 12}" fill="#868e96" font-style="italic">${escape(bar.note ?? '≈0')}</text>`);
        y += barHeight + gap;
        continue;
      }
      const width = Math.max(x(bar.ms) - labelWidth, 1);
      const opacity = bar.pregen ? ' fill-opacity="0.5"' : '';
      rows.push(
        `<rect x="${labelWidth}" y="${y}" width="${width.toFixed(1)}" height="${barHeight}" fill="${COLORS[bar.kind]}"${opacity}/>`,
        `<text x="${labelWidth + width + 4}" y="${y + 12}">${formatTime(bar.ms)}</text>`,
      );
      y += barHeight + gap;
    }
    y += groupGap - gap;
  }

  const grid = [];
  for (let e = lo; e <= lo + span; e++) {
    const gx = labelWidth + (plotWidth * (e - lo)) / span;
    grid.push(
      `<line x1="${gx}" y1="${top - 8}" x2="${gx}" y2="${y - groupGap}" stroke="#dee2e6"/>`,
      `<text x="${gx}" y="${top - 12}" text-anchor="middle" fill="#495057">${formatTime(10 ** e)}</text>`,
    );
  }

  let lx = 8;
  const legend = [
    ['ours', 'ours', ''], ['peer', 'peer', ''], ['derived', 'OpenSSL per-op (minus process start)', ''],
    ['peer', 'pre-generated RSA key', ' fill-opacity="0.5"'],
  ].map(([kind, text, extra]) => {
    const item = `<rect x="${lx}" y="30" width="12" height="12" fill="${COLORS[kind]}"${extra}/><text x="${lx + 16}" y="40">${escape(text)}</text>`;
    lx += 16 + text.length * 7 + 20;
    return item;
  });

  const width = labelWidth + plotWidth + 90;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="18" font-size="14" font-weight="bold">${escape(title)}</text>`,
    ...legend,
    ...grid,
    ...rows,
    '</svg>',
    '',
  ].join('\n');
}
