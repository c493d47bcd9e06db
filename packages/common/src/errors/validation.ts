import { BadRequestException, ValidationError, ValidationPipe } from '@nestjs/common';
import { ErrorCode } from '@flash-sale/contracts';

/** Flattens class-validator errors into one message per bad field, nested paths dotted. */
export function describeValidationErrors(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      // class-validator's whitelist message reads "property x should not exist"; keep it.
      message.startsWith(error.property)
        ? message.replace(error.property, path)
        : `${path}: ${message}`,
    );
    return [...own, ...describeValidationErrors(error.children ?? [], path)];
  });
}

/**
 * The validation pipe every service uses: unknown fields are refused, values are not converted
 * implicitly (a string "2" is not a quantity), and the answer lists every bad field.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    transformOptions: { enableImplicitConversion: false },
    stopAtFirstError: false,
    exceptionFactory: (errors) =>
      new BadRequestException({
        code: ErrorCode.ValidationFailed,
        message: describeValidationErrors(errors),
      }),
  });
}
