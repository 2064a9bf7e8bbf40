// Builds .npy bytes the way numpy.save writes them (format 1.0, header padded
// to a multiple of 64 bytes), for the parser tests.

export function npyBytes(descr: string, shape: readonly number[], values: readonly number[], o: { fortran?: boolean; version?: number; header?: string } = {}): Uint8Array {
  const dict = o.header ?? `{'descr': '${descr}', 'fortran_order': ${o.fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  const version = o.version ?? 1;
  const pre = 8 + (version === 1 ? 2 : 4);
  let text = dict + ' ';
  while ((pre + text.length + 1) % 64 !== 0) text += ' ';
  text += '\n';
  const size = { '<f4': 4, '<f8': 8, '<i4': 4, '|u1': 1, '>f4': 4 }[descr] ?? 8;
  const out = new Uint8Array(pre + text.length + values.length * size);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(new TextEncoder().encode(text), pre);
  const at = pre + text.length;
  values.forEach((v, i) => {
    if (descr === '<f4') view.setFloat32(at + 4 * i, v, true);
    else if (descr === '>f4') view.setFloat32(at + 4 * i, v, false);
    else if (descr === '<i4') view.setInt32(at + 4 * i, v, true);
    else if (descr === '|u1') view.setUint8(at + i, v);
    else view.setFloat64(at + 8 * i, v, true);
  });
  return out;
}
