-- The next best action of every customer on the two lists: the at-risk customers (a band of var
-- at_risk_bands), on the contact list when they allow offers, else on the site list. The action
-- answers the customer's strongest reason (top_reason_1, then 2, then 3) that the list has an
-- action for (reason_actions: the site list only actions that need no consent); a customer none
-- of whose reasons has one, or whose reasons were not explained (beyond var reasons_top_n), gets
-- the list's fallback, an offer in their favourite category. The mapping lives in
-- one_click/labels.yml (`actions:`); this model only picks.
with

candidates as (
    select * from {{ ref('target_candidates') }}
),

reason_actions as (
    select * from {{ ref('reason_actions') }}
),

action_labels as (
    select * from {{ ref('action_labels') }}
),

reason_labels as (
    select * from {{ ref('reason_labels') }}
),

listed as (
    select
        customer_id,
        favourite_category,
        case when allow_offers then 'contact' else 'site' end as list_name,
        -- the favourite category as people read it: as delivered in Russian, by its English
        -- name (var shop_vocabulary) in English
        case favourite_category
            {%- for category, known in var('shop_vocabulary')['categories'].items() %}
            when '{{ category | replace("'", "''") }}'
                then '{{ known["en"] | replace("'", "''") }}'
            {%- endfor %}
            else favourite_category
        end as favourite_category_en,
        top_reason_1,
        top_reason_2,
        top_reason_3
    from candidates
    where risk_band in {{ sql_list(var('at_risk_bands')) }}
),

reasons as (
    select
        customer_id,
        list_name,
        1 as reason_rank,
        top_reason_1 as reason_code
    from listed
    union all
    select
        customer_id,
        list_name,
        2 as reason_rank,
        top_reason_2 as reason_code
    from listed
    union all
    select
        customer_id,
        list_name,
        3 as reason_rank,
        top_reason_3 as reason_code
    from listed
),

answered as (
    select
        reasons.customer_id,
        arg_min(reason_actions.action_code, reasons.reason_rank) as action_code,
        arg_min(reasons.reason_code, reasons.reason_rank) as action_reason_code
    from reasons
    inner join reason_actions
        on
            reasons.list_name = reason_actions.list_name
            and reasons.reason_code = reason_actions.reason_code
    group by reasons.customer_id
),

fallbacks as (
    select
        fallback_of as list_name,
        action_code
    from action_labels
    where fallback_of is not null
),

chosen as (
    select
        listed.customer_id,
        listed.list_name,
        listed.favourite_category,
        listed.favourite_category_en,
        coalesce(answered.action_code, fallbacks.action_code) as action_code,
        -- the fallback answers the favourite category, context the store cannot change
        coalesce(answered.action_reason_code, 'category') as action_reason_code,
        answered.action_code is null as is_fallback
    from listed
    inner join fallbacks on listed.list_name = fallbacks.list_name
    left join answered on listed.customer_id = answered.customer_id
),

worded as (
    select
        chosen.customer_id,
        chosen.list_name,
        chosen.action_code,
        replace(action_labels.words_ru, '{category}', chosen.favourite_category) as action_ru,
        replace(action_labels.words_en, '{category}', chosen.favourite_category_en)
            as action_en,
        action_labels.needs_consent,
        chosen.action_reason_code,
        replace(reason_labels.words_ru, '{value}', chosen.favourite_category)
            as action_reason_ru,
        replace(reason_labels.words_en, '{value}', chosen.favourite_category_en)
            as action_reason_en,
        chosen.is_fallback
    from chosen
    inner join action_labels on chosen.action_code = action_labels.action_code
    inner join reason_labels on chosen.action_reason_code = reason_labels.reason_code
)

select * from worded
