/**
 * Route schemas compiled on first use instead of at start-up. Fastify compiles every route's
 * schemas with Ajv before it listens; with ~80 routes that was a quarter of the cold start. The
 * same Ajv compiler (Fastify's own) and options are used, so validation is unchanged: each route's
 * validator is built the first time a request needs it, then kept.
 */
import { AjvCompiler } from '@fastify/ajv-compiler';
import type { FastifyServerOptions } from 'fastify';

type Validator = ((data: unknown) => unknown) & { errors?: unknown };

export function lazyValidatorCompilers(): NonNullable<FastifyServerOptions['schemaController']> {
  const factory = AjvCompiler();
  return {
    compilersFactory: {
      buildValidator(externalSchemas: unknown, ajvOptions: unknown) {
        const build = factory(externalSchemas as never, ajvOptions as never) as (route: unknown) => Validator;
        return (route: unknown) => {
          let compiled: Validator | undefined;
          const validate: Validator = (data: unknown) => {
            compiled ??= build(route);
            const result = compiled(data);
            validate.errors = compiled.errors;
            return result;
          };
          return validate as never;
        };
      },
    },
  };
}
