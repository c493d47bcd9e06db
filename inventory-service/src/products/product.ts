/** A product of the catalogue, as stored. */
export interface Product {
  productId: string;
  name: string;
  priceCents: number;
  /** The stock of record: units not yet deducted by any order. */
  stock: number;
  /** The most one buyer may order across orders; null when there is no cap. */
  maxPerUser: number | null;
  createdAt: Date;
  updatedAt: Date;
}

/** A product to create. */
export type NewProduct = Omit<Product, 'createdAt' | 'updatedAt'>;

/** Fields an admin may change; absent fields stay. `maxPerUser: null` removes the cap. */
export type ProductChanges = Partial<Pick<Product, 'name' | 'priceCents' | 'stock' | 'maxPerUser'>>;

/** Who made an admin change, for the ledger. */
export interface Actor {
  /** The `sub` claim of the admin's access token. */
  userId: string;
}
