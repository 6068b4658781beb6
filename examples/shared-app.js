// The page logic the browser examples share: fetch the image named by ?image=..., analyze it, and
// show the cells. `smearscope` is the module namespace (static import in each example's entry).
export async function analyzeFromQuery(smearscope, options = {}) {
  const status = document.querySelector('#status');
  const output = document.querySelector('#result');
  try {
    const params = new URLSearchParams(location.search);
    const image = params.get('image');
    if (!image) throw new Error('open this page with ?image=<url of a PNG/JPEG frame>');
    status.textContent = 'loading the model';
    const scope = await smearscope.createScope({
      workers: 1,
      ...options,
      onProgress: (p) => (status.textContent = `loading ${p.url.split('/').pop()}: ${(p.loadedBytes / 1e6).toFixed(1)} MB`),
    });
    status.textContent = `analyzing on ${scope.backend}`;
    const encoded = new Uint8Array(await (await fetch(image)).arrayBuffer());
    const micronsPerPixel = params.has('mpp') ? Number(params.get('mpp')) : undefined;
    const result = await scope.analyzeFrame({ encoded, label: image, ...(micronsPerPixel ? { micronsPerPixel } : {}) });
    const cells = result.cells.map((c) => ({
      x: Math.round(c.x),
      y: Math.round(c.y),
      class: c.decision?.class,
      confidence: c.decision?.confidence,
    }));
    output.textContent = JSON.stringify({ backend: scope.backend, reason: scope.backendReason, cells }, null, 2);
    await scope.dispose();
    status.textContent = 'done';
  } catch (error) {
    output.textContent = JSON.stringify({ error: { code: error.code, message: error.message } });
    status.textContent = 'failed';
  }
}
