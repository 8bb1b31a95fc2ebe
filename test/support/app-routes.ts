import 'reflect-metadata';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';

export interface Route {
  method: string;
  /** As Nest registers it: `/api/profile/:address`. */
  path: string;
}

const SRC = join(__dirname, '..', '..', 'src');

function controllerFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return controllerFiles(path);
    return entry.name.endsWith('.controller.ts') ? [path] : [];
  });
}

function paths(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

function joinPath(...parts: string[]): string {
  return `/${parts.flatMap((p) => p.split('/')).filter(Boolean).join('/')}`;
}

/**
 * Every route of the app, read from the Nest metadata of the controller classes in src/ (what
 * `@Controller` and `@Get`/`@Post`… record), without booting the app or touching a database.
 */
export function appRoutes(): Route[] {
  const routes: Route[] = [];
  for (const file of controllerFiles(SRC)) {
    const exports = require(file) as Record<string, unknown>;
    for (const controller of Object.values(exports)) {
      if (typeof controller !== 'function') continue;
      const base = Reflect.getMetadata(PATH_METADATA, controller) as string | string[] | undefined;
      if (base === undefined) continue;
      for (const name of Object.getOwnPropertyNames(controller.prototype)) {
        const handler = Object.getOwnPropertyDescriptor(controller.prototype, name)?.value as unknown;
        if (typeof handler !== 'function') continue;
        const path = Reflect.getMetadata(PATH_METADATA, handler) as string | string[] | undefined;
        const method = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod | undefined;
        if (path === undefined || method === undefined) continue;
        for (const b of paths(base)) for (const p of paths(path)) routes.push({ method: RequestMethod[method], path: joinPath(b, p) });
      }
    }
  }
  return routes;
}

/** Whether a concrete request path (`/health/ready`) is served by `route` (`:param` matches one segment). */
export function routeMatches(route: Route, method: string, path: string): boolean {
  if (route.method !== method) return false;
  const want = joinPath(path).split('/');
  const have = route.path.split('/');
  return want.length === have.length && have.every((segment, i) => segment.startsWith(':') ? want[i] !== '' : segment === want[i]);
}
