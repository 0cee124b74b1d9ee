import { describe, expect, it, vi } from 'vitest';
import { Cleanup } from '../../../bench/_cleanup.ts';

describe('bench Cleanup', () => {
  it('runs steps last in, first out, each once; a step run early is not run again', async () => {
    const c = new Cleanup();
    const ran: string[] = [];
    c.add('broker', async () => ran.push('broker'));
    const removeDir = c.add('dir', async () => ran.push('dir'));
    c.add('app', async () => ran.push('app'));
    await removeDir();
    await removeDir();
    await c.all();
    await c.all();
    expect(ran).toEqual(['dir', 'app', 'broker']);
  });

  it('reports a failing step and still runs the others', async () => {
    const c = new Cleanup();
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    const ran: string[] = [];
    c.add('broker', async () => ran.push('broker'));
    c.add('app', async () => {
      throw new Error('did not exit');
    });
    await c.all();
    const written = write.mock.calls.map((call) => call[0]);
    write.mockRestore();
    expect(ran).toEqual(['broker']);
    expect(written).toEqual(['cleanup: app failed: did not exit\n']);
  });

  it('a second call while the first is running waits for the same run', async () => {
    const c = new Cleanup();
    let release = () => {};
    const ran: string[] = [];
    c.add('slow', () => new Promise<void>((r) => (release = () => (ran.push('slow'), r()))));
    const first = c.all();
    const second = c.all();
    expect(second).toBe(first);
    release();
    await second;
    expect(ran).toEqual(['slow']);
  });

  it('listens for SIGINT and SIGTERM until every step has run', async () => {
    const before = process.listenerCount('SIGINT');
    const c = new Cleanup();
    expect(process.listenerCount('SIGINT')).toBe(before + 1);
    expect(process.listenerCount('SIGTERM')).toBeGreaterThan(0);
    await c.all();
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
