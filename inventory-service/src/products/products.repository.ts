import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { inTransaction, isDuplicateKeyError, type Sql } from '../database/transaction.js';
import { enqueueRedisUpdates, type RedisUpdate } from '../redis-sync/redis-update.js';
import { insertStockMovements, type StockMovement } from '../stock-ledger/stock-movement.js';
import type { NewProduct, Product, ProductChanges } from './product.js';

interface ProductRow {
  product_id: string;
  name: string;
  price_cents: string | number;
  stock: number;
  max_per_user: number | null;
  created_at: Date;
  updated_at: Date;
}

const COLUMNS = 'product_id, name, price_cents, stock, max_per_user, created_at, updated_at';

/** The catalogue's writes, all inside one transaction (see {@link ProductsRepository.transaction}). */
export interface CatalogueTransaction {
  /** The product, its row locked until the transaction ends; null when it does not exist. */
  findForUpdate(productId: string): Promise<Product | null>;
  /** Inserts a product; false (and nothing written) when the id is taken. */
  insert(product: NewProduct): Promise<boolean>;
  update(productId: string, changes: ProductChanges): Promise<void>;
  remove(productId: string): Promise<void>;
  recordMovements(movements: StockMovement[]): Promise<void>;
  /** Queues Redis updates, applied after the commit (see RedisSyncService). */
  enqueueRedisUpdates(updates: RedisUpdate[]): Promise<void>;
}

/** Products in MySQL. Reads are plain; writes go through {@link transaction}. */
@Injectable()
export class ProductsRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(): Promise<Product[]> {
    const rows = await this.dataSource.query<ProductRow[]>(
      `SELECT ${COLUMNS} FROM products ORDER BY product_id`,
    );
    return rows.map(toProduct);
  }

  async findMany(productIds: string[]): Promise<Product[]> {
    if (productIds.length === 0) return [];
    const rows = await this.dataSource.query<ProductRow[]>(
      `SELECT ${COLUMNS} FROM products WHERE product_id IN (?) ORDER BY product_id`,
      [productIds],
    );
    return rows.map(toProduct);
  }

  async find(productId: string): Promise<Product | null> {
    return (await this.findMany([productId]))[0] ?? null;
  }

  /** Runs `work` in one transaction: it commits when `work` resolves, rolls back when it throws. */
  transaction<T>(work: (tx: CatalogueTransaction) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource, (sql) => work(new SqlCatalogueTransaction(sql)));
  }
}

class SqlCatalogueTransaction implements CatalogueTransaction {
  constructor(private readonly sql: Sql) {}

  async findForUpdate(productId: string): Promise<Product | null> {
    const rows = (await this.sql.query(
      `SELECT ${COLUMNS} FROM products WHERE product_id = ? FOR UPDATE`,
      [productId],
    )) as ProductRow[];
    return rows[0] ? toProduct(rows[0]) : null;
  }

  async insert(product: NewProduct): Promise<boolean> {
    try {
      await this.sql.query(
        `INSERT INTO products (product_id, name, price_cents, stock, max_per_user)
         VALUES (?, ?, ?, ?, ?)`,
        [product.productId, product.name, product.priceCents, product.stock, product.maxPerUser],
      );
      return true;
    } catch (error) {
      // A failed statement leaves the transaction usable; only that statement is undone.
      if (isDuplicateKeyError(error)) return false;
      throw error;
    }
  }

  async update(productId: string, changes: ProductChanges): Promise<void> {
    const columns: Record<keyof ProductChanges, string> = {
      name: 'name',
      priceCents: 'price_cents',
      stock: 'stock',
      maxPerUser: 'max_per_user',
    };
    const assignments: string[] = [];
    const values: unknown[] = [];
    for (const key of Object.keys(columns) as (keyof ProductChanges)[]) {
      if (changes[key] === undefined) continue;
      assignments.push(`${columns[key]} = ?`);
      values.push(changes[key]);
    }
    if (assignments.length === 0) return;
    await this.sql.query(`UPDATE products SET ${assignments.join(', ')} WHERE product_id = ?`, [
      ...values,
      productId,
    ]);
  }

  async remove(productId: string): Promise<void> {
    await this.sql.query('DELETE FROM products WHERE product_id = ?', [productId]);
  }

  recordMovements(movements: StockMovement[]): Promise<void> {
    return insertStockMovements(this.sql, movements);
  }

  enqueueRedisUpdates(updates: RedisUpdate[]): Promise<void> {
    return enqueueRedisUpdates(this.sql, updates);
  }
}

function toProduct(row: ProductRow): Product {
  return {
    productId: row.product_id,
    name: row.name,
    // BIGINT arrives as a string; prices are capped far below 2^53 by validation.
    priceCents: Number(row.price_cents),
    stock: row.stock,
    maxPerUser: row.max_per_user,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
