-- Customers at risk (a band of var at_risk_bands) whose favourite category is goods for oneself
-- (group self_care of var shop_vocabulary.categories: cosmetics and accessories, beauty and
-- health appliances): a campaign in the category they come for.
{{ at_risk_in_category_group('self_care') }}
