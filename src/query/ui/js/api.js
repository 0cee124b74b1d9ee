// Thin client of the classic Jaeger JSON API served next to this UI.

export class ApiError extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function getJson(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' } });
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const msg = body?.errors?.[0]?.msg ?? `${res.status} ${res.statusText}`;
    throw new ApiError(res.status, msg);
  }
  return body;
}

export const services = async () => (await getJson('/api/services')).data ?? [];
export const operations = async (service) => (await getJson(`/api/services/${encodeURIComponent(service)}/operations`)).data ?? [];
export const searchTraces = async (params) => (await getJson(`/api/traces?${params.toString()}`)).data ?? [];
export const trace = async (id) => (await getJson(`/api/traces/${encodeURIComponent(id)}`)).data?.[0];
export const dependencies = async (endTs, lookback) => (await getJson(`/api/dependencies?endTs=${endTs}&lookback=${lookback}`)).data ?? [];
export const samplingStats = async ({ from, to, service = '', policy = '' }) => (await getJson(`/api/sampling/stats?${new URLSearchParams({ from, to, service, policy })}`)).data;
