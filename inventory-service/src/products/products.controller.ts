import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import {
  ApiBadRequestResponse,
  ApiBearerAuth,
  ApiConflictResponse,
  ApiCreatedResponse,
  ApiForbiddenResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiTags,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CurrentUser, Public, Roles } from '@flash-sale/common';
import { Role, type AccessTokenClaims } from '@flash-sale/contracts';
import { CreateProductDto, newProductOf } from './dto/create-product.dto.js';
import { ProductIdParams } from './dto/product-id.params.js';
import {
  InitializeCatalogueResponse,
  ProductResponse,
  toProductResponse,
} from './dto/product.response.js';
import { productChangesOf, UpdateProductDto } from './dto/update-product.dto.js';
import type { Actor } from './product.js';
import { ProductsService } from './products.service.js';

const actorOf = (user: AccessTokenClaims): Actor => ({ userId: user.sub });

/** The catalogue: public reads, admin-only writes. */
@ApiTags('inventory')
@Controller('inventory')
export class ProductsController {
  constructor(private readonly products: ProductsService) {}

  @Public()
  @Get()
  @ApiOkResponse({ type: [ProductResponse] })
  async list(): Promise<ProductResponse[]> {
    return (await this.products.list()).map(toProductResponse);
  }

  @Public()
  @Get(':productId')
  @ApiOkResponse({ type: ProductResponse })
  @ApiNotFoundResponse({ description: 'PRODUCT_NOT_FOUND' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED: a malformed product id' })
  async get(@Param() { productId }: ProductIdParams): Promise<ProductResponse> {
    return toProductResponse(await this.products.get(productId));
  }

  @Roles(Role.Admin)
  @Post()
  @ApiBearerAuth()
  @ApiCreatedResponse({ type: ProductResponse })
  @ApiConflictResponse({ description: 'PRODUCT_EXISTS' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED' })
  @ApiUnauthorizedResponse({ description: 'UNAUTHORIZED' })
  @ApiForbiddenResponse({ description: 'FORBIDDEN: not an admin' })
  async create(
    @Body() body: CreateProductDto,
    @CurrentUser() user: AccessTokenClaims,
  ): Promise<ProductResponse> {
    return toProductResponse(await this.products.create(newProductOf(body), actorOf(user)));
  }

  @Roles(Role.Admin)
  @Post('initialize')
  @HttpCode(200)
  @ApiBearerAuth()
  @ApiOkResponse({ type: InitializeCatalogueResponse })
  @ApiUnauthorizedResponse({ description: 'UNAUTHORIZED' })
  @ApiForbiddenResponse({ description: 'FORBIDDEN: not an admin' })
  async initialize(@CurrentUser() user: AccessTokenClaims): Promise<InitializeCatalogueResponse> {
    const result = await this.products.initializeDemoCatalogue(actorOf(user));
    return { created: result.created, products: result.products.map(toProductResponse) };
  }

  @Roles(Role.Admin)
  @Put(':productId')
  @ApiBearerAuth()
  @ApiOkResponse({ type: ProductResponse })
  @ApiNotFoundResponse({ description: 'PRODUCT_NOT_FOUND' })
  @ApiBadRequestResponse({ description: 'VALIDATION_FAILED' })
  @ApiUnauthorizedResponse({ description: 'UNAUTHORIZED' })
  @ApiForbiddenResponse({ description: 'FORBIDDEN: not an admin' })
  async update(
    @Param() { productId }: ProductIdParams,
    @Body() body: UpdateProductDto,
    @CurrentUser() user: AccessTokenClaims,
  ): Promise<ProductResponse> {
    const changes = productChangesOf(body);
    return toProductResponse(await this.products.update(productId, changes, actorOf(user)));
  }

  @Roles(Role.Admin)
  @Delete(':productId')
  @HttpCode(204)
  @ApiBearerAuth()
  @ApiNoContentResponse({ description: 'Deleted; its Redis counter is gone, its ledger stays.' })
  @ApiNotFoundResponse({ description: 'PRODUCT_NOT_FOUND' })
  @ApiUnauthorizedResponse({ description: 'UNAUTHORIZED' })
  @ApiForbiddenResponse({ description: 'FORBIDDEN: not an admin' })
  async remove(
    @Param() { productId }: ProductIdParams,
    @CurrentUser() user: AccessTokenClaims,
  ): Promise<void> {
    await this.products.remove(productId, actorOf(user));
  }
}
