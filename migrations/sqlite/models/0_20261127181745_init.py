from tortoise import BaseDBAsyncClient

RUN_IN_TRANSACTION = True


async def upgrade(db: BaseDBAsyncClient) -> str:
    return """
        CREATE TABLE IF NOT EXISTS "groups" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL UNIQUE,
    "created_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "users" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "email" VARCHAR(254) NOT NULL UNIQUE,
    "name" VARCHAR(200) NOT NULL,
    "role" VARCHAR(10) NOT NULL /* ADMIN: ADMIN\nSTAFF: STAFF\nUSER: USER */,
    "disabled" INT NOT NULL,
    "password_hash" VARCHAR(255),
    "last_login_at" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
);
CREATE INDEX IF NOT EXISTS "idx_users_role_35db31" ON "users" ("role");
CREATE TABLE IF NOT EXISTS "api_keys" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "prefix" VARCHAR(16) NOT NULL,
    "key_hash" VARCHAR(64) NOT NULL UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "last_used_at" TIMESTAMP,
    "revoked_at" TIMESTAMP,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
) /* A long-lived credential for integrations; shown once, stored as a SHA-256 hash. */;
CREATE TABLE IF NOT EXISTS "group_members" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "group_id" INT NOT NULL REFERENCES "groups" ("id") ON DELETE CASCADE,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_group_membe_group_i_871198" UNIQUE ("group_id", "user_id")
);
CREATE TABLE IF NOT EXISTS "session_tokens" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "token_hash" VARCHAR(64) NOT NULL UNIQUE,
    "expires_at" TIMESTAMP NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "user_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE
) /* A login session. Only the SHA-256 of the bearer token is stored. */;
CREATE TABLE IF NOT EXISTS "categories" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL UNIQUE,
    "sort_order" INT NOT NULL,
    "archived" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "ticket_types" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "sort_order" INT NOT NULL,
    "archived" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "category_id" INT NOT NULL REFERENCES "categories" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_ticket_type_categor_59089f" UNIQUE ("category_id", "name")
);
CREATE TABLE IF NOT EXISTS "group_scopes" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "category_id" INT NOT NULL REFERENCES "categories" ("id") ON DELETE RESTRICT,
    "group_id" INT NOT NULL REFERENCES "groups" ("id") ON DELETE CASCADE,
    "type_id" INT REFERENCES "ticket_types" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_group_scope_group_i_051283" UNIQUE ("group_id", "category_id", "type_id")
) /* One scope entry: a Category, or a Category + Type. Items never affect scope (SPEC 1). */;
CREATE TABLE IF NOT EXISTS "items" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "sort_order" INT NOT NULL,
    "archived" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "type_id" INT NOT NULL REFERENCES "ticket_types" ("id") ON DELETE RESTRICT,
    CONSTRAINT "uid_items_type_id_21f317" UNIQUE ("type_id", "name")
);
CREATE TABLE IF NOT EXISTS "statuses" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(50) NOT NULL UNIQUE,
    "kind" VARCHAR(10) NOT NULL /* NEW: NEW\nRESOLVED: RESOLVED\nCLOSED: CLOSED\nCUSTOM: CUSTOM */,
    "color" VARCHAR(7) NOT NULL,
    "sort_order" INT NOT NULL,
    "pauses_sla" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "settings" (
    "key" VARCHAR(64) NOT NULL PRIMARY KEY,
    "value" JSON NOT NULL,
    "updated_at" TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS "saved_views" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL,
    "shared" INT NOT NULL,
    "filters" JSON NOT NULL,
    "sort" VARCHAR(32) NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "owner_id" INT NOT NULL REFERENCES "users" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_saved_views_owner_i_88564a" UNIQUE ("owner_id", "name")
);
CREATE TABLE IF NOT EXISTS "sla_policies" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "name" VARCHAR(100) NOT NULL UNIQUE,
    "priority" SMALLINT /* CRITICAL: 1\nHIGH: 2\nMEDIUM: 3\nLOW: 4 */,
    "first_response_minutes" INT NOT NULL,
    "resolution_minutes" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "category_id" INT REFERENCES "categories" ("id") ON DELETE CASCADE
);
CREATE TABLE IF NOT EXISTS "tickets" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "number" INT UNIQUE,
    "subject" VARCHAR(255) NOT NULL,
    "description" TEXT NOT NULL,
    "priority" SMALLINT NOT NULL /* CRITICAL: 1\nHIGH: 2\nMEDIUM: 3\nLOW: 4 */,
    "guest_email" VARCHAR(254),
    "tracking_ref" VARCHAR(32) UNIQUE,
    "resolution_notes" TEXT,
    "resolved_at" TIMESTAMP,
    "closed_at" TIMESTAMP,
    "reopened" INT NOT NULL,
    "first_response_at" TIMESTAMP,
    "response_due_at" TIMESTAMP,
    "resolution_due_at" TIMESTAMP,
    "sla_paused_seconds" INT NOT NULL,
    "sla_paused_since" TIMESTAMP,
    "created_at" TIMESTAMP NOT NULL,
    "updated_at" TIMESTAMP NOT NULL,
    "assigned_group_id" INT REFERENCES "groups" ("id") ON DELETE SET NULL,
    "assignee_id" INT REFERENCES "users" ("id") ON DELETE SET NULL,
    "category_id" INT NOT NULL REFERENCES "categories" ("id") ON DELETE RESTRICT,
    "created_by_id" INT REFERENCES "users" ("id") ON DELETE SET NULL,
    "item_id" INT REFERENCES "items" ("id") ON DELETE RESTRICT,
    "requester_id" INT REFERENCES "users" ("id") ON DELETE RESTRICT,
    "sla_policy_id" INT REFERENCES "sla_policies" ("id") ON DELETE SET NULL,
    "status_id" INT NOT NULL REFERENCES "statuses" ("id") ON DELETE RESTRICT,
    "type_id" INT REFERENCES "ticket_types" ("id") ON DELETE RESTRICT
);
CREATE INDEX IF NOT EXISTS "idx_tickets_status__763bec" ON "tickets" ("status_id", "updated_at");
CREATE INDEX IF NOT EXISTS "idx_tickets_assigne_f34717" ON "tickets" ("assignee_id", "status_id");
CREATE INDEX IF NOT EXISTS "idx_tickets_assigne_9fbfc8" ON "tickets" ("assigned_group_id", "status_id");
CREATE INDEX IF NOT EXISTS "idx_tickets_categor_2663ba" ON "tickets" ("category_id", "type_id");
CREATE INDEX IF NOT EXISTS "idx_tickets_request_56701c" ON "tickets" ("requester_id", "updated_at");
CREATE INDEX IF NOT EXISTS "idx_tickets_updated_2e4c10" ON "tickets" ("updated_at");
CREATE INDEX IF NOT EXISTS "idx_tickets_created_27c2f3" ON "tickets" ("created_at");
CREATE INDEX IF NOT EXISTS "idx_tickets_priorit_034e7d" ON "tickets" ("priority");
CREATE INDEX IF NOT EXISTS "idx_tickets_resolve_6ff7e4" ON "tickets" ("resolved_at");
CREATE TABLE IF NOT EXISTS "replies" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "guest_email" VARCHAR(254),
    "body" TEXT NOT NULL,
    "internal" INT NOT NULL,
    "created_at" TIMESTAMP NOT NULL,
    "edited_at" TIMESTAMP,
    "deleted_at" TIMESTAMP,
    "author_id" INT REFERENCES "users" ("id") ON DELETE SET NULL,
    "ticket_id" INT NOT NULL REFERENCES "tickets" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_replies_ticket__fb77a8" ON "replies" ("ticket_id", "created_at");
CREATE TABLE IF NOT EXISTS "ticket_links" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "type" VARCHAR(20) NOT NULL /* RELATED_TO: RELATED_TO\nPARENT_OF: PARENT_OF\nCHILD_OF: CHILD_OF\nCAUSED_BY: CAUSED_BY\nCAUSES: CAUSES\nDUPLICATE_OF: DUPLICATE_OF\nDUPLICATED_BY: DUPLICATED_BY */,
    "created_at" TIMESTAMP NOT NULL,
    "created_by_id" INT REFERENCES "users" ("id") ON DELETE SET NULL,
    "source_id" INT NOT NULL REFERENCES "tickets" ("id") ON DELETE CASCADE,
    "target_id" INT NOT NULL REFERENCES "tickets" ("id") ON DELETE CASCADE,
    CONSTRAINT "uid_ticket_link_source__bcb983" UNIQUE ("source_id", "target_id")
);
CREATE TABLE IF NOT EXISTS "attachments" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "filename" VARCHAR(255) NOT NULL,
    "content_type" VARCHAR(127) NOT NULL,
    "size" BIGINT NOT NULL,
    "storage_name" VARCHAR(64) NOT NULL UNIQUE,
    "created_at" TIMESTAMP NOT NULL,
    "reply_id" INT REFERENCES "replies" ("id") ON DELETE CASCADE,
    "ticket_id" INT NOT NULL REFERENCES "tickets" ("id") ON DELETE CASCADE,
    "uploaded_by_id" INT REFERENCES "users" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_attachments_ticket__7cfe9b" ON "attachments" ("ticket_id");
CREATE INDEX IF NOT EXISTS "idx_attachments_reply_i_7e1226" ON "attachments" ("reply_id");
CREATE TABLE IF NOT EXISTS "audit_log" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "actor_label" VARCHAR(300),
    "action" VARCHAR(64) NOT NULL,
    "entity_type" VARCHAR(32) NOT NULL,
    "entity_id" VARCHAR(64) NOT NULL,
    "internal" INT NOT NULL,
    "before" JSON,
    "after" JSON,
    "created_at" TIMESTAMP NOT NULL,
    "actor_id" INT REFERENCES "users" ("id") ON DELETE SET NULL,
    "ticket_id" INT REFERENCES "tickets" ("id") ON DELETE CASCADE
);
CREATE INDEX IF NOT EXISTS "idx_audit_log_ticket__1ae8b8" ON "audit_log" ("ticket_id", "created_at");
CREATE INDEX IF NOT EXISTS "idx_audit_log_entity__d7945b" ON "audit_log" ("entity_type", "entity_id");
CREATE INDEX IF NOT EXISTS "idx_audit_log_created_277f5d" ON "audit_log" ("created_at");
CREATE TABLE IF NOT EXISTS "outbox" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "channel" VARCHAR(16) NOT NULL,
    "topic" VARCHAR(64) NOT NULL,
    "payload" JSON NOT NULL,
    "status" VARCHAR(10) NOT NULL /* PENDING: PENDING\nSENDING: SENDING\nSENT: SENT\nFAILED: FAILED */,
    "attempts" INT NOT NULL,
    "next_attempt_at" TIMESTAMP,
    "last_error" TEXT,
    "created_at" TIMESTAMP NOT NULL,
    "sent_at" TIMESTAMP,
    "ticket_id" INT REFERENCES "tickets" ("id") ON DELETE SET NULL
);
CREATE INDEX IF NOT EXISTS "idx_outbox_status_a060ae" ON "outbox" ("status", "next_attempt_at");
CREATE INDEX IF NOT EXISTS "idx_outbox_channel_c2241e" ON "outbox" ("channel", "status");
CREATE TABLE IF NOT EXISTS "aerich" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "version" VARCHAR(255) NOT NULL,
    "app" VARCHAR(100) NOT NULL,
    "content" JSON NOT NULL
);"""


async def downgrade(db: BaseDBAsyncClient) -> str:
    return """
        """


MODELS_STATE = (
    "eJztXetzozgS/1co7stsXWYqcSbJXO7qqhzHmfGtE6diZ3ZvJ1sUtmWHCwYv4Dxub/73k8"
    "RLgMDINhiY/pLYklrgn17drX78KS/MKdLtD+2l9jN6k8+lP2VDXSD8IVZzIMnqchmWkwJH"
    "Heu0qbrUlCf0RgvVse1Y6sTB5TNVtxEumiJ7YmlLRzMN0rot6aYxf69rz2gqTSw0RYajqb"
    "o0My1JMxw0t1TS1P67ZD+aL4ZkGhPci+2YuKmk2pIqDb+037dOTqVH1X78QB46NSf4qZox"
    "L6j/laH9sUKKY86R84gs/JRvv+NizZiiV2T7X5dPykxD+jQCozYlHdByxXlb0rKe4VzRhu"
    "TVx8rE1FcLI2y8fHMeTSNojd+ZlM6RgfCbI9K9Y60IsMZK170x8LF23zRs4r4iQzNFM3Wl"
    "k+Eh1O4LhGWyotwMRsqwO1IUOTF0PgWDtlc0wXjiYcevatNfPyev8L519PHs46fj04+fcB"
    "P6mkHJ2Xf30SEwLiGF52Ykf6f1qqO6LSjGIaj0fwLWzqNq8XH128eQxa8cR9bHMQtavyDE"
    "NpzpZYC7UF8VHRlz5xF/PTo8zIDya/uu86V99w63+ok80sRL012zN15Vy60jeIf4Li0001"
    "5FEA4pmojxaR6IT9MRPo0DjHdLhewuIhCzNLsBeb97RATi0485ID79mAoxqYpCjHd+AoWi"
    "OkmQL3GNoy0QH+goZQzqqUf6wf9Qx9mNf+B0YOhv3pBnQD/qXXeHo/b1LXncwrb/0Cl+7V"
    "GX1LRo6Vus9F18JQSdSL/0Rl8k8lX6bXDTpfCatjO36BPDdqPfZPJO6soxFcN8UdQpMzv9"
    "Uh+1yKjrqu0oK3ujcY/T7mDkvVeuysDXZKB9TDJH2kLP5tNG4xylhFGu8ijj5WgpQjw0Q7"
    "Geka7DZr0DXppIJ7MnLitN4Eqie4WFIW1uYMmPgtzDb6RiMYkDqicm3nvd1Azc7/7s8UvD"
    "1WypL4E4x04q/NvxL0aOy621h532ZVemCI/VydOLak2VCNSkxmyZsZKgbbJq0VrES1RDnV"
    "NwyK8g7+yh/tkyV0uZI7W7FQdZQvucNMknsqfDCYIxCMZVgbZ4sRhEinT0myVSJA7M9P2d"
    "2XvRYows+1Fzt9Xo/LjwiK9+vkM6VUCmH6Z0976mvdVwKqSdqZGlZE9MMie2h2lIOmoqSq"
    "ptYy4M7xuONnlCzpZ4jWgntZVnklAVzlp5azCNwQqX6Bo2S/G2ht1zW9/cB9BLCsKC/w7s"
    "1x7ZL3ewhaBlSUBeDTAGDUBpGoBgA9lSBRDInDWDN68OgF2pfCVAfNqCXqXOehWXs0w7+w"
    "O+c93RH3K6600jBgaSaHsJGY71di6pUgcP+ty03g4k02K+Sn+VRnimfJB6DlrYkoGeEa6e"
    "zdDE8Xp4N7ztdqSjn5IGEoU9JZs/mXidUozILAdeZZ+8ij8cYmdrjArOVw7HAlzg7jEl9W"
    "KQMhQbIVoxIRiYwEowLGJMIHvkbQlsh+mqodjGzpYIvHfd4eiu1xnJiV1hB9i6irHRWy5F"
    "YsX2hbzgMtthCrD7YbWHyLbxTx6ZT8iQOcx2pD6T3bbdlpj9xE0FbJHnmiF5tB8kcoUhYe"
    "Y1sAE2Z/TrGKkW5n1p35Jme+bCfOPjbTuES9Vqccp0jITNNaNUjbtg3b3BJnpdahayN7hd"
    "jVI28Ha1JrepuSy64BI9fYU16xIdtPhgx1cxLrii+maKOof59UcjneklPwiM+JrFb6KFqu"
    "kirGZA0Dgus3WSh83ErVL5TFoXZTTBezDEN5eZZCvDTLKVNJO0TD0F366xWiQOoqhvhkdb"
    "FNaJqSzfD7t3shjYcvvyundzLtF/DwZmja6uziX678Eg/Z1LQa/Cdqu5zFYzrFbjozHVbA"
    "IPZ6O+MDHYqsGf9CxZbDDGmK6omR+UlCtFXQwG/QgnfdEbxSC+v77oYugp8riR5jIOyZuK"
    "pWrbLybmCEQVBgnCjdZAxdST8e38JNd2fpKxnZ/EJzh126Nat019/lhicAcD5QEoDyqmPF"
    "hONxz1KCWMelVGnbPYA4tuYb8LNvzM5tbxYaCbmk2BXJ4E4Jsi4Jvi3t1tCVT84rKJSIF/"
    "Sm6ofP4DkFqHlIXwu9qAVT6slrq2rR/dHe4kz8FXR4B0zXjayQTq444aipHqOOrkcYGMbZ"
    "daO+iooUjZ6jPelp419LItc0A6+or7aSxnsJpqjkL8C7bentqkqy7xVGjQrCryNjEwFeXc"
    "KLJmpOm3ip4lppbTbwWuFutytQjxQYqMD2KblqOY1pRniZE6daNE5Zm6HFZ6CjMniTV5JK"
    "F8Be+vWDK4vxK4vwIVe/rUrqeydadBbuJOrVtqEhsdvsWdEluBJOSaUk+QSlXy1BIiW1eV"
    "palrk61lqaGu3pKOQJTKJ0oRv3eZI0bR8oMsEUojHvO7l56+BT5v9I3Ahf7Hlab2zQyBPB"
    "WBGuQpkKdAnvqR5an9xquo3OAW6++0D9f/qkFchu//vgQ1kD4ik5Mjg0Snbrok4o6bEigj"
    "di2QsEFOQCgBoQSEEhBKQCgBoQSEkoOKCSUQ8rEk4QTivskC4km+uG8Vvpysi6zC7gXB/c"
    "TmGPmXIA2Zlnu8lazLBCpS2B06qrNy99h4CEC35iAz+B9tA/aKMgizuxNmK2SveJJHkj1J"
    "F2RPEnLsE/5ZfGjXR+nwacvTGcid++FocC2LgS3fdH85l/CfBwMzEoP+1+7lueR/ejA6/c"
    "GQlLj/8Xf6DPw9fNbew3dg0E2OpiF9CQQEJQ7OX07HZ61Ph4Kjs+FSyNpRfIjPUhE+A31O"
    "CfqcpUoOY8XWVUGNTpQQdDqg0wGdzm4Md8HOsnyRBjmO+1KcsOZu1UF2RHPaaI9CzRPi6L"
    "DSeQ+veeO4710Fu04XdJ5VfcWRdP41HNzwoQ4I4tu1NnGk/0m6Ztd4mfJgJlBE9mQf3nfX"
    "7V/jyGOO/iK+2ZIOLuLJBSGyUMPOTB+jLSILFW/SwTsRwqN1nSlH8efBN0+fRh7ETHTc6p"
    "sf84VOaa8VWz5VglRCbG0y+Rsp9UN9WLwHxb8zXCr9vrQ009KcN78r29SfvWpQ0pWqpFv5"
    "0aByAhsS7CQzVwPAZdQRq/F/0IRzHKVzXQxJA414CokZyr5ZAukRek2ZuDGyRqCdda53fx"
    "1ls1zBsd4f3Hz2m8f5sJhqyN+2efvFetUzS16e3u1YDHy5c9cb9Trt/rl09GB86X3+gufx"
    "g3HdvezdX+PeHoz+4Jdz6WNOFbO7xRy3zk6D3YV8ydpYhtftfp+TmpIct4pwgPkYWRMDEx"
    "cQZ57wZ0/4HRQLzUTQjtPtBO4KSdPHrRxYH7dSoSZVsYjzhPlbkbfCLL/Ds/1I39N5tE2Y"
    "4GXv6ywDnoA/W5aOkUII7urIzhwjQt20N7tlYAlhjKs8xhYylxh8UXNslgyu7gSu7maahf"
    "krPIBL/HS0wdridgBrrNprzBus6WqTEeeQw3hXfLx9PnPjEU92AGNe5TGngXuIRctUsRH+"
    "nVOOZJJuY8QlBlujhMaUwUnzVEYi64pHD8uqyssKLJ3SF1c9b20hC9CPOOppd/XcFCOub5"
    "fQBS6XdidXjvse7127X3t3+hvBu1XUmoYDCx63hSHrneRjUWzjdDBtk+AS51AxWBkKADQJ"
    "aGDoJIZqnAygTRH/aExbMWwTdAAuB1xqwicILEsDZxcHVVJfbnDABk5TCL9RaviN+PzdAb"
    "ZCsRcrNoPzgsss3BzAal5EjS2BzRmYo6aQMqxmDkhDQ/YtQQ2jUDR0H4ic2zmQjRjvbwnu"
    "vZ0rnXBNZ2ycjc8BbiimArrrzq+4RB+BF7+FdHPf78tchReAuwbcmI4vP7SMH9CWAH/2+2"
    "k0wlEldQ6cQ/l1F4db8/LCJI63uLyfgnEeX/pS0y7XhZ+IzE6ad1kxV5y7usJyL9cYKI3j"
    "hgQ47T9JdT2hgtzLubHCO9TYfN0OpAHt4xrZtjpvkCqj0NAo7uHHcYMPTsV0L3jm9C3YC9"
    "4JfPJZ53PwLi/TuxxcFkt0WRybU444ke4857cHT+gNPObwc5FlqJxpnellw5KBlw0EyPuB"
    "DQjzmI0izMFuNOgRQjAIr46NaHKMXT3OJoMcpYRRrvIo48pHU9CCKkIDphMcWxQ3O5yYNQ"
    "pLAxY+OZJVBnLkTkwmaghwbnsJdmpFNPSd9rDTvuzKnC0BbvHW3TGxu+AW9x77UcLWBPQS"
    "UoFSBX9q7Ehf/b82FSi9c9i9+uybbJsry11ljmrhCkgFulfVGd9OL1+KD5+2ypod+a7bx4"
    "zppTIakLQe/ucH47Z9170ZKYOrcyn4+GB0vvT6l7TQ/4TL2vdDTHTxb1zof/RKh17R8MG4"
    "vL/t9zq4e0rNfmPq3F4iX+V80yCq18uTQqSVnkKklUwhAnqPH1DvAQ5SRfpF0INO0C+CpQ"
    "GpiSeLUqZBUBZlaQDV9bJoyKOBLLrGYoxdsOtlUY/lBWDXC/nsml0PLNhC79wWOl3YL1KI"
    "ZaR+jhAb1QmkC7ExJUQ5JiC/uzkGiG0K2H+UKsTONCwaCaYBZWmqLMBubPpRQEh8/EQHry"
    "klXWmQIi/E6BqI91ErT85J3Co9r2crmXdS+y8H5wttni5AeBRN4nL/1modH5+1Do9PP518"
    "PDs7+XQY7B/JqqxRuOh9JntJBH+ePzuunSNFdEOJ00GGs9gEP02YkoHWKR365mqdKIskGu"
    "QkJAFdE9zQl4Pqaqmb6nQD/WiSECYtGEDsywDC8t0ltsQ1rzNixaZtfg/88IxZDyqzxEHj"
    "tAbZ5HZYKZXTUH1G068aepE5Gqew8iAzDTNppjzjdoUYTZgvhjtB6NuBxcReU1kKyoUNVj"
    "IdHeYxRMCt0pUehwlTBBsjiUTTyoRE4O4ilFRGd5DFMdRLTyrOkJSfVlz+x2xlTAiW0niF"
    "X0Qz7A/ksf+Uyx+GQpKN26YlltfVa1/e5iLf315S06XL7rBTFOxFJwMExVM69M1VPFEuSk"
    "ySZ0lAR7JeiA8Y1XIEoqqhm1ciYqcVX9bckygUxHjiiUJsAKgMUcgPolRG/AUQfX4c0adC"
    "V2GFCD77znpejnapsnnPY/kxF5qx4qaJTt1F0jsAzoGb7yDIVSiONZ8YcIaQFkJQN1fW2V"
    "9WoYpdUjQyj0DFMM5tepyRRiCH5BO/K97SwTj3PXFN0C7UuZiJ8sizy47EgMywy6ZhJ3Vz"
    "XrhgmBaYj9hoI8PBfHJgjep9xXOS1kIYv32Jl3gumJaCfzsSCuMXI2teGL/jXNLmcYa0eZ"
    "yUNtWJvzsK4MzfT5twlbl749bYLpMX5RhZA6He/XVOuIOLA83dnJsA8+5nNASjLPd2foxm"
    "WIZIop1+OR9SbHU3X7HTsOxLeHXGzViUDntAAKhvjjroqdI39ubqqVzmXSxeI0MCGqqqOI"
    "M0ENQMtR+dgzvQ+TXb8JtdqTnSVZXvAVJTXHM4gOzHfiSa5oSjKEzkQUnXFYZpVwpWFIbp"
    "Pw306mAuwkGLpRNoCyePqmG4qiWvJagFS1ULMgOQV7ZnSBoo2R+d5jE+iTN1jO3JaVyyd8"
    "ylNhEBOCBoILy7V5ws1TfiASUiUjIk5ZvZN0iqTMvtnC/CaUhdooH9bffmsnfzWRYbAZ/s"
    "XPI+PBhDv2TIlIzo19GDcdXu9buX55L7X95kH8pnBJdhA5e4lHDPXhFLIJakPPufw0qfpY"
    "zFZoyjSeCarVnhkEP+iyrnv9BVktHMsnjCaXqKrihVEy5Qs8a0iDxdoLxM39Kaq7y0SVAz"
    "8SFnyGA3rfJuCprUJoZ9qRi+2yv99h1Ao40sbfIo8+wC3ZqDTJvAsA14itVpUR9k6OyekW"
    "ULmpcxJA1UKhUSj5UsKgGEveYNRLcQfzwvaq2I1o4hAa2doNYuwSOUeZh9/z9SsxCf"
)
