// vramcalc web calculator: a form over the REST API (/api/v1), the whole state in the URL.
'use strict';

(function () {
  const form = document.getElementById('form');
  const GiB = 1024 * 1024 * 1024;
  const charts = {};
  let mode = 'inference';
  let inflight = null;
  let timer = null;
  let gpus = [];

  // Fields whose form name differs from the API's key.
  const TRAIN_ALIASES = { train_seq_len: 'seq_len', train_tp: 'tp' };
  const INFERENCE_FIELDS = ['batch', 'seq_len', 'weights', 'kv_cache', 'tp', 'engine', 'gpu_memory_utilization', 'max_model_len', 'max_num_seqs',
    'enforce_eager', 'ctx_size', 'n_gpu_layers', 'cache_type_k', 'cache_type_v', 'load', 'attn_implementation', 'max_new_tokens'];
  const TRAINING_FIELDS = ['method', 'precision', 'optimizer', 'micro_batch', 'train_seq_len', 'grad_accum', 'checkpointing', 'zero', 'fsdp', 'train_tp', 'pp',
    'lora_rank', 'lora_alpha', 'lora_targets'];
  const CUSTOM_FIELDS = ['hidden_size', 'num_layers', 'num_heads', 'num_kv_heads', 'head_dim', 'intermediate_size', 'vocab_size', 'tie_word_embeddings',
    'num_experts', 'experts_per_token', 'moe_intermediate_size', 'shared_expert_intermediate_size'];
  const ENGINE_FIELDS = {
    vllm: ['gpu_memory_utilization', 'max_model_len', 'max_num_seqs', 'enforce_eager'],
    'llama.cpp': ['ctx_size', 'n_gpu_layers', 'cache_type_k', 'cache_type_v'],
    transformers: ['load', 'attn_implementation', 'max_new_tokens']
  };

  const el = (name) => form.elements.namedItem(name);
  const gib = (b) => (b / GiB).toFixed(2);

  function fieldValue(name) {
    const e = el(name);
    if (!e) return null;
    if (e.type === 'checkbox') return e.checked ? true : null;
    const v = e.value.trim();
    if (v === '') return null;
    if (e.type === 'number') {
      const n = Number(v);
      return Number.isFinite(n) ? n : v;
    }
    return v;
  }

  function source() {
    return form.querySelector('input[name="source"]:checked').value;
  }

  // The common body: the model and the device.
  function baseBody() {
    const body = {};
    const s = source();
    if (s === 'model') body.model = fieldValue('model');
    if (s === 'params') body.params = fieldValue('params');
    if (s === 'custom') CUSTOM_FIELDS.forEach((f) => { const v = fieldValue(f); if (v !== null) body[f] = v; });
    const gpu = el('gpu').value;
    if (gpu === 'custom') body.gpu_memory = fieldValue('gpu_memory');
    else body.gpu = gpu;
    const n = fieldValue('gpus');
    if (n !== null && n !== 1) body.gpus = n;
    return body;
  }

  function inferenceBody() {
    const body = baseBody();
    const engine = el('engine').value;
    const engineOnly = new Set(Object.values(ENGINE_FIELDS).flat());
    INFERENCE_FIELDS.forEach((f) => {
      if (engineOnly.has(f) && !(ENGINE_FIELDS[engine] || []).includes(f)) return;
      const v = fieldValue(f);
      if (v !== null && !(f === 'engine' && v === 'generic') && !(f === 'kv_cache' && v === 'auto')) body[f] = v;
    });
    if (body.ctx_size === undefined && engine === 'llama.cpp') delete body.ctx_size;
    return body;
  }

  function trainingBody() {
    const body = baseBody();
    const method = el('method').value;
    TRAINING_FIELDS.forEach((f) => {
      if (f.startsWith('lora_') && !['lora', 'qlora', 'dora'].includes(method)) return;
      const v = fieldValue(f);
      if (v === null) return;
      if (f === 'zero' && Number(v) === 0) return;
      body[TRAIN_ALIASES[f] || f] = v;
    });
    if (body.lora_targets) body.lora_targets = String(body.lora_targets).split(',').map((x) => x.trim()).filter((x) => x);
    return body;
  }

  // ---- URL state ----------------------------------------------------------------------------
  function saveState() {
    const q = new URLSearchParams();
    q.set('mode', mode);
    q.set('source', source());
    for (const e of form.elements) {
      if (!e.name || e.name === 'source' || e.type === 'button') continue;
      if (e.type === 'checkbox') { if (e.checked) q.set(e.name, '1'); continue; }
      if (e.value !== e.defaultValue || (e.tagName === 'SELECT' && e.selectedIndex !== defaultIndex(e))) q.set(e.name, e.value);
    }
    history.replaceState(null, '', '?' + q.toString());
  }

  function defaultIndex(select) {
    for (let i = 0; i < select.options.length; i++) if (select.options[i].defaultSelected) return i;
    return 0;
  }

  function loadState() {
    const q = new URLSearchParams(location.search);
    for (const [k, v] of q.entries()) {
      if (k === 'mode' || k === 'source') continue;
      const e = el(k);
      if (!e || e instanceof RadioNodeList) continue;
      if (e.type === 'checkbox') e.checked = v === '1' || v === 'true';
      else if (e.tagName === 'SELECT' && !Array.from(e.options).some((o) => o.value === v)) {
        const o = document.createElement('option');
        o.value = v; o.textContent = v; e.appendChild(o); e.value = v;
      } else e.value = v;
    }
    if (q.get('source')) {
      const r = form.querySelector('input[name="source"][value="' + CSS.escape(q.get('source')) + '"]');
      if (r) r.checked = true;
    }
    setMode(q.get('mode') === 'training' ? 'training' : 'inference', false);
  }

  // ---- visibility ---------------------------------------------------------------------------
  function setMode(m, focus) {
    mode = m;
    document.querySelectorAll('[role="tab"]').forEach((t) => {
      const on = t.dataset.mode === m;
      t.setAttribute('aria-selected', String(on));
      t.tabIndex = on ? 0 : -1;
      if (on && focus) t.focus();
    });
    document.querySelectorAll('[data-mode]').forEach((p) => { if (p.getAttribute('role') !== 'tab') p.hidden = p.dataset.mode !== m; });
    refreshVisibility();
  }

  function refreshVisibility() {
    const s = source();
    document.querySelectorAll('[data-source]').forEach((g) => { g.hidden = g.dataset.source !== s; });
    const engine = el('engine').value;
    document.querySelectorAll('[data-engine]').forEach((g) => { g.hidden = g.dataset.engine !== engine; });
    document.querySelectorAll('[data-when-gpu]').forEach((g) => { g.hidden = el('gpu').value !== g.dataset.whenGpu; });
    const lora = ['lora', 'qlora', 'dora'].includes(el('method').value);
    document.querySelector('[data-lora]').hidden = !lora;
    const w = el('weights').value;
    document.getElementById('activation-dtype').value = w === 'fp32' ? 'FP32 (follow the weights)' : (w === 'fp16' ? 'FP16 (follow the weights)' : 'BF16 (the compute dtype)');
  }

  // ---- errors at the field ------------------------------------------------------------------
  function clearErrors() {
    form.querySelectorAll('[aria-invalid="true"]').forEach((e) => e.removeAttribute('aria-invalid'));
    form.querySelectorAll('.error').forEach((e) => { e.textContent = ''; });
  }

  function showError(field, message) {
    let name = (field || 'form').replace(/-/g, '_');
    if (mode === 'training' && (name === 'seq_len' || name === 'tp')) name = 'train_' + name;
    if (CUSTOM_FIELDS.includes(name) || ['hidden_size', 'num_hidden_layers', 'config', 'model_type'].includes(name)) {
      if (source() === 'custom') name = el(name) ? name : 'custom';
    }
    const input = el(name);
    let slot = form.querySelector('.error[data-for="' + name + '"]');
    if (input && !(input instanceof RadioNodeList)) {
      input.setAttribute('aria-invalid', 'true');
      if (!slot) {
        slot = document.createElement('p');
        slot.className = 'error';
        slot.dataset.for = name;
        slot.setAttribute('role', 'alert');
        (input.closest('label') || input).after(slot);
      }
    }
    if (!slot) slot = form.querySelector('.error[data-for="form"]');
    slot.textContent = message;
  }

  // ---- requests -----------------------------------------------------------------------------
  async function post(command, body, signal) {
    const r = await fetch('/api/v1/' + command, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body), signal });
    const doc = await r.json();
    if (!r.ok) {
      const e = new Error(doc.error ? doc.error.message : 'HTTP ' + r.status);
      e.field = doc.error && doc.error.field;
      e.status = r.status;
      throw e;
    }
    return doc;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(compute, 300);
  }

  async function compute() {
    saveState();
    if (inflight) inflight.abort();
    const ctrl = new AbortController();
    inflight = ctrl;
    const verdict = document.getElementById('verdict');
    const body = mode === 'training' ? trainingBody() : inferenceBody();
    let doc;
    try {
      doc = await post(mode === 'training' ? 'train' : 'infer', body, ctrl.signal);
    } catch (e) {
      if (e.name === 'AbortError') return;
      clearErrors();
      showError(e.field, e.message);
      verdict.className = 'verdict does-not-fit';
      verdict.textContent = 'Cannot compute: ' + e.message;
      document.getElementById('results').classList.add('stale');
      return;
    }
    if (ctrl.signal.aborted) return;
    document.getElementById('results').classList.remove('stale');
    clearErrors();
    renderMain(doc);
    // the secondary views, in parallel; each fails on its own
    const extra = mode === 'training' ? [zeroView(body, ctrl.signal), recommendView(body, ctrl.signal)]
      : [footprintView(body, ctrl.signal), curveView(body, ctrl.signal), rooflineView(body, ctrl.signal)];
    extra.push(fitView(body, ctrl.signal));
    await Promise.allSettled(extra);
  }

  // ---- the main result ----------------------------------------------------------------------
  function renderMain(doc) {
    const verdict = document.getElementById('verdict');
    const usable = doc.gpu.usable_bytes;
    const mem = doc.per_gpu;
    const device = mem.device_bytes;
    const v = doc.verdict;
    const margin = doc.workload.headroom !== undefined ? doc.workload.headroom : 1 - doc.limit_bytes / usable;
    verdict.className = 'verdict ' + v;
    const head = doc.headroom_bytes;
    verdict.textContent = (v === 'fits' ? 'Fits' : v === 'tight' ? 'Tight' : 'Does not fit') + ': ' + gib(device) + ' GiB of ' + gib(usable)
      + ' GiB usable per GPU (' + (100 * device / usable).toFixed(1) + '%); "fits" needs at most ' + gib(doc.limit_bytes) + ' GiB ('
      + Math.round(margin * 100) + '% margin), headroom ' + (head < 0 ? '−' : '') + gib(Math.abs(head)) + ' GiB. Device level (what nvidia-smi shows); an estimate.'
      + (mem.most_loaded ? ' Most loaded: ' + mem.most_loaded + ', at ' + String(mem.peak_phase).replace('_', ' ') + '.' : '');
    const rows = doc.terms;
    const tbody = document.querySelector('#breakdown tbody');
    tbody.replaceChildren();
    let level = null;
    const levels = { allocated: mem.allocated_bytes, reserved: mem.reserved_bytes, device: mem.device_bytes };
    const levelNote = { allocated: 'live tensors at the peak (torch max_memory_allocated)', reserved: 'what the allocator holds (max_memory_reserved)', device: 'what nvidia-smi shows' };
    const flush = () => { if (level) tbody.appendChild(row(['= ' + level, gib(levels[level]), levelNote[level]], 'level')); };
    for (const r of rows) {
      const lv = r.level || 'allocated';
      if (lv !== level) { flush(); level = lv; }
      tbody.appendChild(row([r.name + (r.estimated ? ' (estimate)' : ''), gib(r.bytes), r.formula]));
    }
    flush();
    const notes = document.getElementById('notes');
    notes.replaceChildren(...(doc.notes || []).map((n) => { const li = document.createElement('li'); li.textContent = n; return li; }));
    drawBar(rows, usable, doc.limit_bytes);
  }

  function row(cells, cls) {
    const tr = document.createElement('tr');
    if (cls) tr.className = cls;
    cells.forEach((c, i) => {
      const td = document.createElement('td');
      td.textContent = c;
      if (i === 1 || (cls === 'num')) td.className = 'num';
      if (i === 2) td.className = 'formula';
      tr.appendChild(td);
    });
    return tr;
  }

  const PALETTE = ['#2457c5', '#e07b39', '#2f9e6e', '#c0392b', '#8e44ad', '#16a2b8', '#b7950b', '#5d6d7e', '#d35400', '#1abc9c', '#7f8c8d', '#34495e'];

  function chart(id, config) {
    if (typeof Chart === 'undefined') return;
    if (charts[id]) charts[id].destroy();
    charts[id] = new Chart(document.getElementById(id), config);
  }

  function drawBar(rows, usable, limit) {
    const datasets = rows.map((r, i) => ({ label: r.name, data: [r.bytes / GiB, 0], backgroundColor: PALETTE[i % PALETTE.length], stack: 's' }));
    datasets.push({ label: 'under the margin', data: [0, limit / GiB], backgroundColor: '#cfe3d4', stack: 's' });
    datasets.push({ label: 'safety margin', data: [0, (usable - limit) / GiB], backgroundColor: '#f5dcb0', stack: 's' });
    chart('bar', {
      type: 'bar',
      data: { labels: ['this workload', 'GPU usable'], datasets },
      options: { indexAxis: 'y', maintainAspectRatio: false, animation: false, scales: { x: { stacked: true, title: { display: true, text: 'GiB per GPU' } }, y: { stacked: true } },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } } }
    });
  }

  // ---- inference views ----------------------------------------------------------------------
  async function footprintView(body, signal) {
    if (!body.model) return;
    const doc = await post('params', { model: body.model, gpu: body.gpu, gpu_memory: body.gpu_memory }, signal);
    document.getElementById('model-info').textContent = doc.parameters.toLocaleString() + ' parameters' + (doc.active_parameters && doc.active_parameters !== doc.parameters
      ? ' (' + doc.active_parameters.toLocaleString() + ' active)' : '') + '; ' + doc.architecture.model_type + ', ' + doc.architecture.attention;
    const fp = doc.footprint || [];
    const usable = gpus.find((g) => g.id === body.gpu);
    const datasets = [{ type: 'bar', label: 'weights (GiB)', data: fp.map((f) => f.weight_bytes / GiB), backgroundColor: fp.map((f) => f.fits === false ? '#e8a49c' : '#7fa6e8') }];
    if (usable) datasets.push({ type: 'line', label: 'GPU usable memory', data: fp.map(() => usable.usable_bytes / GiB), borderColor: '#b42318', pointRadius: 0, borderDash: [6, 4] });
    chart('footprint', { data: { labels: fp.map((f) => f.precision), datasets }, options: { maintainAspectRatio: false, animation: false,
      scales: { y: { title: { display: true, text: 'GiB' } } } } });
  }

  async function curveView(body, signal) {
    const q = Object.assign({}, body, { curve: true });
    delete q.batch;
    const doc = await post('max-batch', q, signal);
    document.getElementById('maxbatch-summary').textContent = 'Largest batch at ' + doc.seq_len.toLocaleString() + ' tokens: ' + doc.max_batch.toLocaleString()
      + ' (limited by ' + doc.limited_by + '; ' + doc.criterion + ').';
    const rows = doc.curve || [];
    const labels = rows.length ? rows[0].max_batch_by_seq_len.map((p) => p.seq_len) : [];
    chart('curve', { type: 'line', data: { labels, datasets: rows.map((r, i) => ({ label: r.precision, data: r.max_batch_by_seq_len.map((p) => p.max_batch),
      borderColor: PALETTE[i % PALETTE.length], backgroundColor: PALETTE[i % PALETTE.length], tension: 0.1 })) },
      options: { maintainAspectRatio: false, animation: false, scales: { x: { title: { display: true, text: 'sequence length (tokens)' } },
        y: { type: 'logarithmic', title: { display: true, text: 'largest batch' } } } } });
  }

  async function rooflineView(body, signal) {
    const q = { model: body.model, gpu: body.gpu, batch: body.batch, seq_len: body.seq_len, weights: body.weights, tp: body.tp };
    Object.keys(q).forEach((k) => q[k] === undefined && delete q[k]);
    const speed = document.getElementById('speed');
    const tbody = document.querySelector('#roofline tbody');
    if (!body.gpu || !body.model) { speed.textContent = 'The roofline needs a catalog GPU and a model.'; tbody.replaceChildren(); return; }
    const doc = await post('roofline', q, signal);
    speed.textContent = 'Decode: ' + doc.decode_tokens_per_second_per_sequence.toFixed(1) + ' tokens/s per sequence, ' + doc.decode_tokens_per_second.toFixed(1)
      + ' in all; time to first token ' + doc.time_to_first_token_seconds.toFixed(3) + ' s; ridge point ' + doc.ridge_point.toFixed(0)
      + ' FLOPs/byte. Estimates at ' + doc.efficiency.memory + ' of peak bandwidth and ' + doc.efficiency.compute + ' of peak FLOP/s.'
      + (doc.cost ? ' About $' + doc.cost.usd_per_million_tokens.toFixed(3) + ' per million tokens at $' + doc.cost.usd_per_gpu_hour + '/GPU-hour.' : '');
    tbody.replaceChildren(...doc.operations.map((o) => {
      const tr = document.createElement('tr');
      [o.name, (o.flops / 1e9).toFixed(3), (o.bytes / 1048576).toFixed(1), o.bound === 'communication' ? '—' : o.intensity.toFixed(1), o.bound, (o.seconds * 1e3).toFixed(3)]
        .forEach((c, i) => { const td = document.createElement('td'); td.textContent = c; if (i !== 0 && i !== 4) td.className = 'num'; tr.appendChild(td); });
      return tr;
    }));
  }

  // ---- training views -----------------------------------------------------------------------
  async function zeroView(body, signal) {
    const n = body.gpus || 1;
    const stages = n > 1 ? [0, 1, 2, 3] : [0];
    const docs = await Promise.all(stages.map((z) => post('train', Object.assign({}, body, { zero: z, fsdp: undefined }), signal).catch(() => null)));
    const usable = gpus.find((g) => g.id === body.gpu);
    const datasets = [{ type: 'bar', label: 'device memory per GPU (GiB)', data: docs.map((d) => d ? d.per_gpu.device_bytes / GiB : null), backgroundColor: '#7fa6e8' }];
    if (usable) datasets.push({ type: 'line', label: 'GPU usable memory', data: stages.map(() => usable.usable_bytes / GiB), borderColor: '#b42318', pointRadius: 0, borderDash: [6, 4] });
    chart('zero', { data: { labels: stages.map((z) => 'ZeRO-' + z + (n > 1 ? '' : ' (one GPU: nothing to shard)')), datasets },
      options: { maintainAspectRatio: false, animation: false, scales: { y: { title: { display: true, text: 'GiB' } } } } });
  }

  async function recommendView(body, signal) {
    const target = fieldValue('global_batch');
    const p = document.getElementById('recommendation');
    const tbody = document.querySelector('#recommendations tbody');
    if (!target) { p.textContent = 'Give a target global batch.'; tbody.replaceChildren(); return; }
    const q = Object.assign({}, body, { train: true, global_batch: String(target) });
    delete q.micro_batch; delete q.grad_accum;
    let doc;
    try {
      doc = await post('max-batch', q, signal);
    } catch (e) {
      if (e.name !== 'AbortError') showError(e.field, e.message);
      return;
    }
    const rec = doc.recommendation;
    p.textContent = 'Largest micro-batch under the margin: ' + doc.max_batch + '. ' + rec.summary;
    tbody.replaceChildren(...rec.options.map((o) => {
      const tr = document.createElement('tr');
      [o.data_parallel, o.micro_batch || '—', o.grad_accum || '—', o.device_bytes ? gib(o.device_bytes) : '—', o.reason]
        .forEach((c, i) => { const td = document.createElement('td'); td.textContent = c; if (i < 4) td.className = 'num'; tr.appendChild(td); });
      return tr;
    }));
  }

  // ---- GPU fit cards ------------------------------------------------------------------------
  async function fitView(body, signal) {
    const q = Object.assign({}, body);
    delete q.gpu; delete q.gpu_memory; delete q.gpus; delete q.tp; delete q.pp;
    if (mode === 'training') q.train = true;
    q.max_gpus = mode === 'training' ? 8 : 8;
    const box = document.getElementById('fit');
    let doc;
    try {
      doc = await post('fit', q, signal);
    } catch (e) {
      if (e.name !== 'AbortError') box.textContent = 'GPU fit: ' + e.message;
      return;
    }
    box.replaceChildren(...doc.gpus.slice(0, 12).map((g) => {
      const card = document.createElement('article');
      card.className = 'card';
      const h = document.createElement('h3');
      h.textContent = g.name;
      const big = document.createElement('p');
      big.className = 'big';
      big.textContent = g.count + ' × ' + (g.layout || '');
      const detail = document.createElement('p');
      detail.textContent = gib(g.device_bytes) + ' of ' + gib(g.usable_bytes) + ' GiB per GPU'
        + (g.tokens_per_second ? ' · ~' + Math.round(g.tokens_per_second).toLocaleString() + ' tokens/s' : '')
        + (g.usd_per_hour ? ' · $' + g.usd_per_hour.toFixed(2) + '/h' : '') + (g.purchase_usd ? ' · $' + Math.round(g.purchase_usd).toLocaleString() : '');
      card.append(h, big, detail);
      return card;
    }));
  }

  // ---- start --------------------------------------------------------------------------------
  async function init() {
    const [models, gpuDoc] = await Promise.all([fetch('/api/v1/models').then((r) => r.json()), fetch('/api/v1/gpus').then((r) => r.json())]);
    const list = document.getElementById('models');
    (models.models || []).forEach((m) => {
      const o = document.createElement('option');
      o.value = m.hf_id || m.id;
      o.label = m.id + ' — ' + (m.parameters ? (m.parameters / 1e9).toFixed(2) + 'B' : '');
      list.appendChild(o);
    });
    gpus = gpuDoc.gpus || [];
    const sel = el('gpu');
    sel.replaceChildren(...gpus.map((g) => {
      const o = document.createElement('option');
      o.value = g.id;
      o.textContent = g.name + ' (' + gib(g.usable_bytes) + ' GiB)';
      if (g.id === 'rtx-4090') o.defaultSelected = true;
      return o;
    }));
    const custom = document.createElement('option');
    custom.value = 'custom';
    custom.textContent = 'Custom memory…';
    sel.appendChild(custom);
    sel.value = 'rtx-4090';
    loadState();
    refreshVisibility();
    form.addEventListener('input', () => { refreshVisibility(); schedule(); });
    form.addEventListener('change', () => { refreshVisibility(); schedule(); });
    form.addEventListener('submit', (e) => { e.preventDefault(); compute(); });
    document.querySelectorAll('[role="tab"]').forEach((t) => {
      t.addEventListener('click', () => { setMode(t.dataset.mode, true); schedule(); });
      t.addEventListener('keydown', (e) => {
        if (e.key === 'ArrowRight' || e.key === 'ArrowLeft') { setMode(mode === 'inference' ? 'training' : 'inference', true); schedule(); }
      });
    });
    document.getElementById('fetch').addEventListener('click', async () => {
      const info = document.getElementById('model-info');
      info.textContent = 'Fetching from the Hugging Face hub…';
      try {
        const doc = await post('params', { model: fieldValue('model') });
        info.textContent = doc.parameters.toLocaleString() + ' parameters. Sources: ' + (doc.provenance || []).join('; ');
        schedule();
      } catch (e) {
        showError(e.field || 'model', e.message);
        info.textContent = '';
      }
    });
    compute();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
