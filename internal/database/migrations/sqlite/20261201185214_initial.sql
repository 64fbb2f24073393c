-- +goose Up
-- create "agreements" table
CREATE TABLE `agreements` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `model` text NOT NULL, `status` text NOT NULL DEFAULT ('AWAITING_SIGNATURE'), `required_signatures` integer NOT NULL DEFAULT (1), `valid_from` date NULL, `termination_noticed_on` date NULL, `ends_on` date NULL, `model_agreement_signed_on` date NULL, `offering_id` text NULL, `replaced_by_id` text NULL, `customer_id` text NOT NULL, `service_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `agreements_offerings_offering` FOREIGN KEY (`offering_id`) REFERENCES `offerings` (`id`) ON DELETE SET NULL, CONSTRAINT `agreements_agreements_replaces` FOREIGN KEY (`replaced_by_id`) REFERENCES `agreements` (`id`) ON DELETE SET NULL, CONSTRAINT `agreements_customers_agreements` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE NO ACTION, CONSTRAINT `agreements_services_ka1_agreements` FOREIGN KEY (`service_id`) REFERENCES `services` (`id`) ON DELETE SET NULL);
-- create index "agreement_customer_id_model_status" to table: "agreements"
CREATE INDEX `agreement_customer_id_model_status` ON `agreements` (`customer_id`, `model`, `status`);
-- create index "agreement_service_id" to table: "agreements"
CREATE INDEX `agreement_service_id` ON `agreements` (`service_id`);
-- create "agreement_documents" table
CREATE TABLE `agreement_documents` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `code` text NOT NULL, `title` text NOT NULL, `kind` text NOT NULL, `applies_to_ka1` bool NOT NULL DEFAULT (false), `applies_to_ka2` bool NOT NULL DEFAULT (true), `applies_to_agent` bool NOT NULL DEFAULT (false), `service_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `agreement_documents_services_documents` FOREIGN KEY (`service_id`) REFERENCES `services` (`id`) ON DELETE SET NULL);
-- create index "agreement_documents_code_key" to table: "agreement_documents"
CREATE UNIQUE INDEX `agreement_documents_code_key` ON `agreement_documents` (`code`);
-- create "attestations" table
CREATE TABLE `attestations` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `decision` text NOT NULL, `method` text NULL, `transaction_reference` text NULL, `reason` text NULL, `decided_at` datetime NOT NULL, `attestant_id` text NOT NULL, `order_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `attestations_persons_attestant` FOREIGN KEY (`attestant_id`) REFERENCES `persons` (`id`) ON DELETE NO ACTION, CONSTRAINT `attestations_orders_attestation` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE NO ACTION);
-- create index "attestations_order_id_key" to table: "attestations"
CREATE UNIQUE INDEX `attestations_order_id_key` ON `attestations` (`order_id`);
-- create "attestation_codes" table
CREATE TABLE `attestation_codes` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `salt` blob NOT NULL, `code_hash` blob NOT NULL, `status` text NOT NULL DEFAULT ('LIVE'), `attempts` integer NOT NULL DEFAULT (0), `expires_at` datetime NOT NULL, `message_id` text NOT NULL, `sent_to` text NOT NULL, `order_id` text NOT NULL, `attestant_id` text NOT NULL, `customer_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `attestation_codes_orders_order` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE NO ACTION, CONSTRAINT `attestation_codes_persons_attestant` FOREIGN KEY (`attestant_id`) REFERENCES `persons` (`id`) ON DELETE NO ACTION, CONSTRAINT `attestation_codes_customers_attestation_codes` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE NO ACTION);
-- create index "attestationcode_customer_id" to table: "attestation_codes"
CREATE INDEX `attestationcode_customer_id` ON `attestation_codes` (`customer_id`);
-- create index "attestationcode_order_id_attestant_id_status" to table: "attestation_codes"
CREATE INDEX `attestationcode_order_id_attestant_id_status` ON `attestation_codes` (`order_id`, `attestant_id`, `status`);
-- create "audit_events" table
CREATE TABLE `audit_events` (`id` text NOT NULL, `occurred_at` datetime NOT NULL, `actor_kind` text NOT NULL, `actor` text NOT NULL, `action` text NOT NULL, `entity_type` text NOT NULL, `entity_id` text NOT NULL, `method` text NULL, `transaction_reference` text NULL, `details` json NULL, `customer_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `audit_events_customers_customer` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE SET NULL);
-- create index "auditevent_customer_id_occurred_at" to table: "audit_events"
CREATE INDEX `auditevent_customer_id_occurred_at` ON `audit_events` (`customer_id`, `occurred_at`);
-- create index "auditevent_entity_id" to table: "audit_events"
CREATE INDEX `auditevent_entity_id` ON `audit_events` (`entity_id`);
-- create "availability_targets" table
CREATE TABLE `availability_targets` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `basis_points` integer NOT NULL, `effective_from` date NOT NULL, `service_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `availability_targets_services_availability_targets` FOREIGN KEY (`service_id`) REFERENCES `services` (`id`) ON DELETE NO ACTION);
-- create index "availabilitytarget_service_id_effective_from" to table: "availability_targets"
CREATE UNIQUE INDEX `availabilitytarget_service_id_effective_from` ON `availability_targets` (`service_id`, `effective_from`);
-- create "care_units" table
CREATE TABLE `care_units` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `hsa_id` text NOT NULL, `name` text NOT NULL, `customer_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `care_units_customers_care_units` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE NO ACTION);
-- create index "care_units_hsa_id_key" to table: "care_units"
CREATE UNIQUE INDEX `care_units_hsa_id_key` ON `care_units` (`hsa_id`);
-- create index "careunit_customer_id" to table: "care_units"
CREATE INDEX `careunit_customer_id` ON `care_units` (`customer_id`);
-- create "customers" table
CREATE TABLE `customers` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_number` text NOT NULL, `name` text NOT NULL, `company_form` text NOT NULL, `status` text NOT NULL DEFAULT ('ACTIVE'), `power_of_attorney_reference` text NULL, `parent_id` text NULL, `category_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `customers_customers_affiliates` FOREIGN KEY (`parent_id`) REFERENCES `customers` (`id`) ON DELETE SET NULL, CONSTRAINT `customers_customer_categories_customers` FOREIGN KEY (`category_id`) REFERENCES `customer_categories` (`id`) ON DELETE NO ACTION);
-- create index "customers_org_number_key" to table: "customers"
CREATE UNIQUE INDEX `customers_org_number_key` ON `customers` (`org_number`);
-- create index "customer_category_id" to table: "customers"
CREATE INDEX `customer_category_id` ON `customers` (`category_id`);
-- create index "customer_parent_id" to table: "customers"
CREATE INDEX `customer_parent_id` ON `customers` (`parent_id`);
-- create index "customer_name" to table: "customers"
CREATE INDEX `customer_name` ON `customers` (`name`);
-- create "customer_applications" table
CREATE TABLE `customer_applications` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `org_number` text NOT NULL, `organisation_name` text NOT NULL, `company_form` text NOT NULL, `contacts` json NOT NULL, `joint_signing` bool NOT NULL DEFAULT (false), `status` text NOT NULL DEFAULT ('SUBMITTED'), `decided_at` datetime NULL, `decided_by` text NULL, `rejection_reason` text NULL, `power_of_attorney_reference` text NULL, `submitted_by` text NOT NULL DEFAULT ('unknown'), `customer_id` text NULL, `category_id` text NOT NULL, `parent_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `customer_applications_customers_applications` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE SET NULL, CONSTRAINT `customer_applications_customer_categories_category` FOREIGN KEY (`category_id`) REFERENCES `customer_categories` (`id`) ON DELETE NO ACTION, CONSTRAINT `customer_applications_customers_parent` FOREIGN KEY (`parent_id`) REFERENCES `customers` (`id`) ON DELETE SET NULL);
-- create index "customerapplication_org_number" to table: "customer_applications"
CREATE INDEX `customerapplication_org_number` ON `customer_applications` (`org_number`);
-- create index "customerapplication_status" to table: "customer_applications"
CREATE INDEX `customerapplication_status` ON `customer_applications` (`status`);
-- create index "customerapplication_org_number_submitted" to table: "customer_applications"
CREATE UNIQUE INDEX `customerapplication_org_number_submitted` ON `customer_applications` (`org_number`) WHERE status = 'SUBMITTED';
-- create "customer_categories" table
CREATE TABLE `customer_categories` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `code` text NOT NULL, `name` text NOT NULL, `former_name` text NULL, `renamed_on` date NULL, `introduced_on` date NULL, `ka2_available_from` date NULL, PRIMARY KEY (`id`));
-- create index "customer_categories_code_key" to table: "customer_categories"
CREATE UNIQUE INDEX `customer_categories_code_key` ON `customer_categories` (`code`);
-- create "document_versions" table
CREATE TABLE `document_versions` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `version` text NOT NULL, `published_on` date NOT NULL, `effective_on` date NOT NULL, `classification` text NOT NULL, `change_items` json NOT NULL, `document_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `document_versions_agreement_documents_versions` FOREIGN KEY (`document_id`) REFERENCES `agreement_documents` (`id`) ON DELETE NO ACTION);
-- create index "documentversion_document_id_version" to table: "document_versions"
CREATE UNIQUE INDEX `documentversion_document_id_version` ON `document_versions` (`document_id`, `version`);
-- create index "documentversion_document_id_effective_on" to table: "document_versions"
CREATE UNIQUE INDEX `documentversion_document_id_effective_on` ON `document_versions` (`document_id`, `effective_on`);
-- create "notifications" table
CREATE TABLE `notifications` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `recipient_email` text NOT NULL, `kind` text NOT NULL, `subject` text NOT NULL, `body` text NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `attempts` integer NOT NULL DEFAULT (0), `sent_at` datetime NULL, `next_attempt_at` datetime NOT NULL, `last_error` text NULL, `subject_type` text NULL, `subject_id` text NULL, `customer_id` text NULL, `recipient_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `notifications_customers_customer` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE SET NULL, CONSTRAINT `notifications_persons_recipient` FOREIGN KEY (`recipient_id`) REFERENCES `persons` (`id`) ON DELETE SET NULL);
-- create index "notification_status_next_attempt_at" to table: "notifications"
CREATE INDEX `notification_status_next_attempt_at` ON `notifications` (`status`, `next_attempt_at`);
-- create index "notification_customer_id" to table: "notifications"
CREATE INDEX `notification_customer_id` ON `notifications` (`customer_id`);
-- create index "notification_subject_id" to table: "notifications"
CREATE INDEX `notification_subject_id` ON `notifications` (`subject_id`);
-- create "offerings" table
CREATE TABLE `offerings` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `code` text NOT NULL, `name` text NOT NULL, `description` text NULL, `orderable` bool NOT NULL DEFAULT (true), `requires_care_units` bool NOT NULL DEFAULT (true), `service_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `offerings_services_offerings` FOREIGN KEY (`service_id`) REFERENCES `services` (`id`) ON DELETE NO ACTION);
-- create index "offerings_code_key" to table: "offerings"
CREATE UNIQUE INDEX `offerings_code_key` ON `offerings` (`code`);
-- create "orders" table
CREATE TABLE `orders` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `status` text NOT NULL DEFAULT ('DRAFT'), `quantity` integer NOT NULL DEFAULT (1), `terms_accepted_at` datetime NULL, `submitted_at` datetime NULL, `startup_fee` integer NULL, `recurring_amount` integer NULL, `price_lines` json NULL, `cancelled_at` datetime NULL, `delivered_at` datetime NULL, `delivered_by` text NULL, `delivery_note` text NULL, `customer_id` text NOT NULL, `offering_id` text NOT NULL, `orderer_id` text NOT NULL, `price_list_id` text NULL, `terms_version_id` text NULL, `subscription_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `orders_customers_orders` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE NO ACTION, CONSTRAINT `orders_offerings_offering` FOREIGN KEY (`offering_id`) REFERENCES `offerings` (`id`) ON DELETE NO ACTION, CONSTRAINT `orders_persons_orderer` FOREIGN KEY (`orderer_id`) REFERENCES `persons` (`id`) ON DELETE NO ACTION, CONSTRAINT `orders_price_lists_price_list` FOREIGN KEY (`price_list_id`) REFERENCES `price_lists` (`id`) ON DELETE SET NULL, CONSTRAINT `orders_document_versions_terms_version` FOREIGN KEY (`terms_version_id`) REFERENCES `document_versions` (`id`) ON DELETE SET NULL, CONSTRAINT `orders_subscriptions_orders` FOREIGN KEY (`subscription_id`) REFERENCES `subscriptions` (`id`) ON DELETE SET NULL);
-- create index "order_customer_id_status" to table: "orders"
CREATE INDEX `order_customer_id_status` ON `orders` (`customer_id`, `status`);
-- create index "order_status_submitted_at" to table: "orders"
CREATE INDEX `order_status_submitted_at` ON `orders` (`status`, `submitted_at`);
-- create "partner_api_keys" table
CREATE TABLE `partner_api_keys` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `prefix` text NOT NULL, `secret_hash` text NOT NULL, `scopes` json NOT NULL, `created_by` text NOT NULL, `revoked_at` datetime NULL, `last_used_at` datetime NULL, `service_id` text NULL, PRIMARY KEY (`id`), CONSTRAINT `partner_api_keys_services_service` FOREIGN KEY (`service_id`) REFERENCES `services` (`id`) ON DELETE SET NULL);
-- create index "partner_api_keys_prefix_key" to table: "partner_api_keys"
CREATE UNIQUE INDEX `partner_api_keys_prefix_key` ON `partner_api_keys` (`prefix`);
-- create "persons" table
CREATE TABLE `persons` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `personal_number` text NULL, `hsa_id` text NULL, `given_name` text NOT NULL, `family_name` text NOT NULL, `email` text NOT NULL, `phone` text NULL, PRIMARY KEY (`id`));
-- create index "persons_personal_number_key" to table: "persons"
CREATE UNIQUE INDEX `persons_personal_number_key` ON `persons` (`personal_number`);
-- create index "persons_hsa_id_key" to table: "persons"
CREATE UNIQUE INDEX `persons_hsa_id_key` ON `persons` (`hsa_id`);
-- create "prices" table
CREATE TABLE `prices` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `unit` text NOT NULL, `amount` integer NOT NULL, `category_id` text NOT NULL, `offering_id` text NOT NULL, `price_list_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `prices_customer_categories_prices` FOREIGN KEY (`category_id`) REFERENCES `customer_categories` (`id`) ON DELETE NO ACTION, CONSTRAINT `prices_offerings_prices` FOREIGN KEY (`offering_id`) REFERENCES `offerings` (`id`) ON DELETE NO ACTION, CONSTRAINT `prices_price_lists_prices` FOREIGN KEY (`price_list_id`) REFERENCES `price_lists` (`id`) ON DELETE NO ACTION);
-- create index "price_price_list_id_offering_id_category_id_unit" to table: "prices"
CREATE UNIQUE INDEX `price_price_list_id_offering_id_category_id_unit` ON `prices` (`price_list_id`, `offering_id`, `category_id`, `unit`);
-- create index "price_offering_id_category_id" to table: "prices"
CREATE INDEX `price_offering_id_category_id` ON `prices` (`offering_id`, `category_id`);
-- create "price_lists" table
CREATE TABLE `price_lists` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `name` text NOT NULL, `announced_on` date NULL, `effective_from` date NOT NULL, `description` text NULL, `adjustment_basis_points` integer NULL, `raises_prices` bool NOT NULL DEFAULT (false), PRIMARY KEY (`id`));
-- create index "price_lists_effective_from_key" to table: "price_lists"
CREATE UNIQUE INDEX `price_lists_effective_from_key` ON `price_lists` (`effective_from`);
-- create "roles" table
CREATE TABLE `roles` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `role` text NOT NULL, `granted_by` text NULL, `customer_id` text NOT NULL, `person_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `roles_customers_roles` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE NO ACTION, CONSTRAINT `roles_persons_roles` FOREIGN KEY (`person_id`) REFERENCES `persons` (`id`) ON DELETE NO ACTION);
-- create index "role_customer_id_person_id_role" to table: "roles"
CREATE UNIQUE INDEX `role_customer_id_person_id_role` ON `roles` (`customer_id`, `person_id`, `role`);
-- create index "role_person_id" to table: "roles"
CREATE INDEX `role_person_id` ON `roles` (`person_id`);
-- create "services" table
CREATE TABLE `services` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `code` text NOT NULL, `name` text NOT NULL, `description` text NULL, `status` text NOT NULL DEFAULT ('ACTIVE'), `decommissioning_from` date NULL, `retires_on` date NULL, `retired_on` date NULL, `processes_personal_data` bool NOT NULL DEFAULT (false), `ka2_available_from` date NULL, `ka1_available` bool NOT NULL DEFAULT (false), `warn_from` date NULL, `deny_from` date NULL, `warning_message` text NULL, `denial_message` text NULL, PRIMARY KEY (`id`));
-- create index "services_code_key" to table: "services"
CREATE UNIQUE INDEX `services_code_key` ON `services` (`code`);
-- create "signatures" table
CREATE TABLE `signatures` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `method` text NOT NULL, `transaction_reference` text NOT NULL, `signed_at` datetime NOT NULL, `registered_by` text NULL, `agreement_id` text NOT NULL, `signer_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `signatures_agreements_signatures` FOREIGN KEY (`agreement_id`) REFERENCES `agreements` (`id`) ON DELETE NO ACTION, CONSTRAINT `signatures_persons_signer` FOREIGN KEY (`signer_id`) REFERENCES `persons` (`id`) ON DELETE NO ACTION);
-- create index "signature_agreement_id_signer_id" to table: "signatures"
CREATE UNIQUE INDEX `signature_agreement_id_signer_id` ON `signatures` (`agreement_id`, `signer_id`);
-- create "signing_sessions" table
CREATE TABLE `signing_sessions` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `method` text NOT NULL, `order_ref` text NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `hint_code` text NULL, `auto_start_token` text NOT NULL, `qr_start_token` text NOT NULL, `qr_start_secret` text NOT NULL, `started_at` datetime NOT NULL, `finished_at` datetime NULL, `agreement_id` text NULL, `customer_id` text NOT NULL, `order_id` text NULL, `signer_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `signing_sessions_agreements_signings` FOREIGN KEY (`agreement_id`) REFERENCES `agreements` (`id`) ON DELETE SET NULL, CONSTRAINT `signing_sessions_customers_signing_sessions` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE NO ACTION, CONSTRAINT `signing_sessions_orders_signings` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE SET NULL, CONSTRAINT `signing_sessions_persons_signer` FOREIGN KEY (`signer_id`) REFERENCES `persons` (`id`) ON DELETE NO ACTION);
-- create index "signing_sessions_order_ref_key" to table: "signing_sessions"
CREATE UNIQUE INDEX `signing_sessions_order_ref_key` ON `signing_sessions` (`order_ref`);
-- create index "signingsession_customer_id" to table: "signing_sessions"
CREATE INDEX `signingsession_customer_id` ON `signing_sessions` (`customer_id`);
-- create "subscriptions" table
CREATE TABLE `subscriptions` (`id` text NOT NULL, `created_at` datetime NOT NULL, `updated_at` datetime NOT NULL, `status` text NOT NULL DEFAULT ('PENDING'), `quantity` integer NOT NULL DEFAULT (0), `active_from` date NULL, `termination_noticed_on` date NULL, `ends_on` date NULL, `agreement_id` text NOT NULL, `migrated_from_id` text NULL, `customer_id` text NOT NULL, `offering_id` text NOT NULL, `service_id` text NOT NULL, PRIMARY KEY (`id`), CONSTRAINT `subscriptions_agreements_subscriptions` FOREIGN KEY (`agreement_id`) REFERENCES `agreements` (`id`) ON DELETE NO ACTION, CONSTRAINT `subscriptions_agreements_migrated_subscriptions` FOREIGN KEY (`migrated_from_id`) REFERENCES `agreements` (`id`) ON DELETE SET NULL, CONSTRAINT `subscriptions_customers_subscriptions` FOREIGN KEY (`customer_id`) REFERENCES `customers` (`id`) ON DELETE NO ACTION, CONSTRAINT `subscriptions_offerings_subscriptions` FOREIGN KEY (`offering_id`) REFERENCES `offerings` (`id`) ON DELETE NO ACTION, CONSTRAINT `subscriptions_services_subscriptions` FOREIGN KEY (`service_id`) REFERENCES `services` (`id`) ON DELETE NO ACTION);
-- create index "subscription_customer_id_service_id_status" to table: "subscriptions"
CREATE INDEX `subscription_customer_id_service_id_status` ON `subscriptions` (`customer_id`, `service_id`, `status`);
-- create index "subscription_service_id_status" to table: "subscriptions"
CREATE INDEX `subscription_service_id_status` ON `subscriptions` (`service_id`, `status`);
-- create index "subscription_agreement_id" to table: "subscriptions"
CREATE INDEX `subscription_agreement_id` ON `subscriptions` (`agreement_id`);
-- create "subscription_changes" table
CREATE TABLE `subscription_changes` (`id` integer NOT NULL PRIMARY KEY AUTOINCREMENT, `tx_id` integer NULL DEFAULT (0), `subscription_id` text NOT NULL, `customer_id` text NOT NULL, `service_id` text NOT NULL, `agreement_id` text NOT NULL, `kind` text NOT NULL, `status` text NOT NULL, `quantity` integer NOT NULL, `occurred_at` datetime NOT NULL);
-- create index "subscriptionchange_tx_id_id" to table: "subscription_changes"
CREATE INDEX `subscriptionchange_tx_id_id` ON `subscription_changes` (`tx_id`, `id`);
-- create index "subscriptionchange_service_id_tx_id_id" to table: "subscription_changes"
CREATE INDEX `subscriptionchange_service_id_tx_id_id` ON `subscription_changes` (`service_id`, `tx_id`, `id`);
-- create "order_care_units" table
CREATE TABLE `order_care_units` (`order_id` text NOT NULL, `care_unit_id` text NOT NULL, PRIMARY KEY (`order_id`, `care_unit_id`), CONSTRAINT `order_care_units_order_id` FOREIGN KEY (`order_id`) REFERENCES `orders` (`id`) ON DELETE CASCADE, CONSTRAINT `order_care_units_care_unit_id` FOREIGN KEY (`care_unit_id`) REFERENCES `care_units` (`id`) ON DELETE CASCADE);
-- create "price_list_exempt_categories" table
CREATE TABLE `price_list_exempt_categories` (`price_list_id` text NOT NULL, `customer_category_id` text NOT NULL, PRIMARY KEY (`price_list_id`, `customer_category_id`), CONSTRAINT `price_list_exempt_categories_price_list_id` FOREIGN KEY (`price_list_id`) REFERENCES `price_lists` (`id`) ON DELETE CASCADE, CONSTRAINT `price_list_exempt_categories_customer_category_id` FOREIGN KEY (`customer_category_id`) REFERENCES `customer_categories` (`id`) ON DELETE CASCADE);
-- create "price_list_exempt_services" table
CREATE TABLE `price_list_exempt_services` (`price_list_id` text NOT NULL, `service_id` text NOT NULL, PRIMARY KEY (`price_list_id`, `service_id`), CONSTRAINT `price_list_exempt_services_price_list_id` FOREIGN KEY (`price_list_id`) REFERENCES `price_lists` (`id`) ON DELETE CASCADE, CONSTRAINT `price_list_exempt_services_service_id` FOREIGN KEY (`service_id`) REFERENCES `services` (`id`) ON DELETE CASCADE);
-- create "service_categories" table
CREATE TABLE `service_categories` (`service_id` text NOT NULL, `customer_category_id` text NOT NULL, PRIMARY KEY (`service_id`, `customer_category_id`), CONSTRAINT `service_categories_service_id` FOREIGN KEY (`service_id`) REFERENCES `services` (`id`) ON DELETE CASCADE, CONSTRAINT `service_categories_customer_category_id` FOREIGN KEY (`customer_category_id`) REFERENCES `customer_categories` (`id`) ON DELETE CASCADE);

-- +goose Down
-- reverse: create "service_categories" table
DROP TABLE `service_categories`;
-- reverse: create "price_list_exempt_services" table
DROP TABLE `price_list_exempt_services`;
-- reverse: create "price_list_exempt_categories" table
DROP TABLE `price_list_exempt_categories`;
-- reverse: create "order_care_units" table
DROP TABLE `order_care_units`;
-- reverse: create index "subscriptionchange_service_id_tx_id_id" to table: "subscription_changes"
DROP INDEX `subscriptionchange_service_id_tx_id_id`;
-- reverse: create index "subscriptionchange_tx_id_id" to table: "subscription_changes"
DROP INDEX `subscriptionchange_tx_id_id`;
-- reverse: create "subscription_changes" table
DROP TABLE `subscription_changes`;
-- reverse: create index "subscription_agreement_id" to table: "subscriptions"
DROP INDEX `subscription_agreement_id`;
-- reverse: create index "subscription_service_id_status" to table: "subscriptions"
DROP INDEX `subscription_service_id_status`;
-- reverse: create index "subscription_customer_id_service_id_status" to table: "subscriptions"
DROP INDEX `subscription_customer_id_service_id_status`;
-- reverse: create "subscriptions" table
DROP TABLE `subscriptions`;
-- reverse: create index "signingsession_customer_id" to table: "signing_sessions"
DROP INDEX `signingsession_customer_id`;
-- reverse: create index "signing_sessions_order_ref_key" to table: "signing_sessions"
DROP INDEX `signing_sessions_order_ref_key`;
-- reverse: create "signing_sessions" table
DROP TABLE `signing_sessions`;
-- reverse: create index "signature_agreement_id_signer_id" to table: "signatures"
DROP INDEX `signature_agreement_id_signer_id`;
-- reverse: create "signatures" table
DROP TABLE `signatures`;
-- reverse: create index "services_code_key" to table: "services"
DROP INDEX `services_code_key`;
-- reverse: create "services" table
DROP TABLE `services`;
-- reverse: create index "role_person_id" to table: "roles"
DROP INDEX `role_person_id`;
-- reverse: create index "role_customer_id_person_id_role" to table: "roles"
DROP INDEX `role_customer_id_person_id_role`;
-- reverse: create "roles" table
DROP TABLE `roles`;
-- reverse: create index "price_lists_effective_from_key" to table: "price_lists"
DROP INDEX `price_lists_effective_from_key`;
-- reverse: create "price_lists" table
DROP TABLE `price_lists`;
-- reverse: create index "price_offering_id_category_id" to table: "prices"
DROP INDEX `price_offering_id_category_id`;
-- reverse: create index "price_price_list_id_offering_id_category_id_unit" to table: "prices"
DROP INDEX `price_price_list_id_offering_id_category_id_unit`;
-- reverse: create "prices" table
DROP TABLE `prices`;
-- reverse: create index "persons_hsa_id_key" to table: "persons"
DROP INDEX `persons_hsa_id_key`;
-- reverse: create index "persons_personal_number_key" to table: "persons"
DROP INDEX `persons_personal_number_key`;
-- reverse: create "persons" table
DROP TABLE `persons`;
-- reverse: create index "partner_api_keys_prefix_key" to table: "partner_api_keys"
DROP INDEX `partner_api_keys_prefix_key`;
-- reverse: create "partner_api_keys" table
DROP TABLE `partner_api_keys`;
-- reverse: create index "order_status_submitted_at" to table: "orders"
DROP INDEX `order_status_submitted_at`;
-- reverse: create index "order_customer_id_status" to table: "orders"
DROP INDEX `order_customer_id_status`;
-- reverse: create "orders" table
DROP TABLE `orders`;
-- reverse: create index "offerings_code_key" to table: "offerings"
DROP INDEX `offerings_code_key`;
-- reverse: create "offerings" table
DROP TABLE `offerings`;
-- reverse: create index "notification_subject_id" to table: "notifications"
DROP INDEX `notification_subject_id`;
-- reverse: create index "notification_customer_id" to table: "notifications"
DROP INDEX `notification_customer_id`;
-- reverse: create index "notification_status_next_attempt_at" to table: "notifications"
DROP INDEX `notification_status_next_attempt_at`;
-- reverse: create "notifications" table
DROP TABLE `notifications`;
-- reverse: create index "documentversion_document_id_effective_on" to table: "document_versions"
DROP INDEX `documentversion_document_id_effective_on`;
-- reverse: create index "documentversion_document_id_version" to table: "document_versions"
DROP INDEX `documentversion_document_id_version`;
-- reverse: create "document_versions" table
DROP TABLE `document_versions`;
-- reverse: create index "customer_categories_code_key" to table: "customer_categories"
DROP INDEX `customer_categories_code_key`;
-- reverse: create "customer_categories" table
DROP TABLE `customer_categories`;
-- reverse: create index "customerapplication_org_number_submitted" to table: "customer_applications"
DROP INDEX `customerapplication_org_number_submitted`;
-- reverse: create index "customerapplication_status" to table: "customer_applications"
DROP INDEX `customerapplication_status`;
-- reverse: create index "customerapplication_org_number" to table: "customer_applications"
DROP INDEX `customerapplication_org_number`;
-- reverse: create "customer_applications" table
DROP TABLE `customer_applications`;
-- reverse: create index "customer_name" to table: "customers"
DROP INDEX `customer_name`;
-- reverse: create index "customer_parent_id" to table: "customers"
DROP INDEX `customer_parent_id`;
-- reverse: create index "customer_category_id" to table: "customers"
DROP INDEX `customer_category_id`;
-- reverse: create index "customers_org_number_key" to table: "customers"
DROP INDEX `customers_org_number_key`;
-- reverse: create "customers" table
DROP TABLE `customers`;
-- reverse: create index "careunit_customer_id" to table: "care_units"
DROP INDEX `careunit_customer_id`;
-- reverse: create index "care_units_hsa_id_key" to table: "care_units"
DROP INDEX `care_units_hsa_id_key`;
-- reverse: create "care_units" table
DROP TABLE `care_units`;
-- reverse: create index "availabilitytarget_service_id_effective_from" to table: "availability_targets"
DROP INDEX `availabilitytarget_service_id_effective_from`;
-- reverse: create "availability_targets" table
DROP TABLE `availability_targets`;
-- reverse: create index "auditevent_entity_id" to table: "audit_events"
DROP INDEX `auditevent_entity_id`;
-- reverse: create index "auditevent_customer_id_occurred_at" to table: "audit_events"
DROP INDEX `auditevent_customer_id_occurred_at`;
-- reverse: create "audit_events" table
DROP TABLE `audit_events`;
-- reverse: create index "attestationcode_order_id_attestant_id_status" to table: "attestation_codes"
DROP INDEX `attestationcode_order_id_attestant_id_status`;
-- reverse: create index "attestationcode_customer_id" to table: "attestation_codes"
DROP INDEX `attestationcode_customer_id`;
-- reverse: create "attestation_codes" table
DROP TABLE `attestation_codes`;
-- reverse: create index "attestations_order_id_key" to table: "attestations"
DROP INDEX `attestations_order_id_key`;
-- reverse: create "attestations" table
DROP TABLE `attestations`;
-- reverse: create index "agreement_documents_code_key" to table: "agreement_documents"
DROP INDEX `agreement_documents_code_key`;
-- reverse: create "agreement_documents" table
DROP TABLE `agreement_documents`;
-- reverse: create index "agreement_service_id" to table: "agreements"
DROP INDEX `agreement_service_id`;
-- reverse: create index "agreement_customer_id_model_status" to table: "agreements"
DROP INDEX `agreement_customer_id_model_status`;
-- reverse: create "agreements" table
DROP TABLE `agreements`;
