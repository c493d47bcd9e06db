import { Body, Controller, Get, Headers, HttpCode, Ip, Post, Res } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiHeader,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import {
  bearerTokenOf,
  CurrentUser,
  INVALID_TOKEN_CHALLENGE,
  Public,
  RateLimit,
} from '@flash-sale/common';
import type { AccessTokenClaims } from '@flash-sale/contracts';
import { LoginResponseDto } from './dto/login-response.dto.js';
import { LoginDto } from './dto/login.dto.js';
import { RegisterUserDto } from './dto/register-user.dto.js';
import { UserResponseDto } from './dto/user-response.dto.js';
import {
  InvalidTokenResponseDto,
  TokenPayloadDto,
  ValidTokenResponseDto,
} from './dto/verify-token-response.dto.js';
import { VerifyTokenDto } from './dto/verify-token.dto.js';
import { UsersErrors } from './users.errors.js';
import { UsersRateLimit } from './users.rate-limits.js';
import { UsersService } from './users.service.js';

/** The part of Fastify's reply this controller touches. */
interface ReplyStatus {
  status(statusCode: number): unknown;
  header(name: string, value: string): unknown;
}

const BAD_BODY = 'VALIDATION_FAILED (every bad field listed) or MALFORMED_JSON';

@ApiTags('users')
@Controller('users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Public()
  @Post('register')
  @RateLimit(UsersRateLimit.Register)
  @ApiBadRequestResponse({
    description: `${BAD_BODY}, EMAIL_DOMAIN_RESERVED or PASSWORD_TOO_COMMON`,
  })
  @ApiOperation({ summary: 'Create an account (always with the role `user`)' })
  @ApiCreatedResponse({ type: UserResponseDto })
  @ApiConflictResponse({ description: 'USERNAME_TAKEN or EMAIL_TAKEN' })
  async register(@Body() body: RegisterUserDto): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.register(body));
  }

  @Public()
  @Post('login')
  @ApiTooManyRequestsResponse({
    description:
      'TOO_MANY_REQUESTS (failed sign-ins back off) or RATE_LIMITED (attempts), with `Retry-After`',
  })
  @RateLimit(UsersRateLimit.Login)
  @HttpCode(200)
  @ApiBadRequestResponse({ description: BAD_BODY })
  @ApiOperation({ summary: 'Exchange a username or email and a password for an access token' })
  @ApiOkResponse({ type: LoginResponseDto })
  @ApiUnauthorizedResponse({ description: 'INVALID_CREDENTIALS, for unknown users too' })
  @ApiServiceUnavailableResponse({ description: 'SERVICE_UNAVAILABLE: attempts cannot be counted' })
  async login(@Body() body: LoginDto, @Ip() clientIp: string): Promise<LoginResponseDto> {
    const session = await this.users.login({
      identifier: body.email ?? body.username ?? '',
      password: body.password,
      clientIp,
    });
    return LoginResponseDto.from(session);
  }

  @Get('profile')
  @ApiBearerAuth()
  @ApiOperation({ summary: 'The caller’s own account' })
  @ApiOkResponse({ type: UserResponseDto })
  @ApiUnauthorizedResponse({ description: 'UNAUTHORIZED: no valid Bearer token' })
  @ApiNotFoundResponse({ description: 'USER_NOT_FOUND: the token’s user no longer exists' })
  async profile(@CurrentUser() caller: AccessTokenClaims): Promise<UserResponseDto> {
    return UserResponseDto.from(await this.users.profile(caller.sub));
  }

  @Public()
  @Post('verify')
  @HttpCode(200)
  @ApiBadRequestResponse({ description: BAD_BODY })
  @ApiOperation({ summary: 'Check an access token and read its claims' })
  @ApiOkResponse({ type: ValidTokenResponseDto })
  @ApiUnauthorizedResponse({ type: InvalidTokenResponseDto })
  @ApiHeader({
    name: 'Authorization',
    required: false,
    deprecated: true,
    description: 'Original API: `Bearer <token>`, read when the body has no `token`',
  })
  async verify(
    @Body() body: VerifyTokenDto,
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: ReplyStatus,
  ): Promise<ValidTokenResponseDto | InvalidTokenResponseDto> {
    // A header that is not a well-formed Bearer JWT is an invalid token (401), not a missing one.
    const token = body.token ?? bearerTokenOf(authorization);
    if (token === undefined && authorization === undefined) throw UsersErrors.tokenRequired();
    const verified = token === undefined ? null : await this.users.verifyToken(token);
    if (!verified) {
      reply.status(401);
      reply.header('www-authenticate', INVALID_TOKEN_CHALLENGE);
      return { valid: false };
    }
    return { valid: true, payload: TokenPayloadDto.from(verified) };
  }
}
