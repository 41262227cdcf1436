-- This month's campaign: every customer of the contact list (the customers customer_actions puts
-- on the contact list: at risk, allowing offers) with the arm they are drawn into. Within each
-- risk band x action, round(var holdout_share x customers) of them, in the order of a hash of
-- (var random_seed, the month, customer_id), are held back as the control group: they get no
-- offer, so that a later delivery can tell what the offer changed. The same month and seed
-- always draw the same customers.
with

candidates as (
    select * from {{ ref('target_candidates') }}
),

actions as (
    select * from {{ ref('customer_actions') }}
),

listed as (
    select
        candidates.customer_id,
        candidates.decline_probability,
        candidates.risk_band,
        candidates.profit,
        candidates.profit_at_risk,
        candidates.segments,
        actions.action_code,
        row_number() over (
            partition by candidates.risk_band, actions.action_code
            order by
                hash(
                    {{ var('random_seed') }}, '{{ var("delivery_month") }}', candidates.customer_id
                ),
                candidates.customer_id
        ) as draw_order,
        count(*) over (
            partition by candidates.risk_band, actions.action_code
        ) as stratum_customers
    from candidates
    inner join actions on candidates.customer_id = actions.customer_id
    where actions.list_name = 'contact'
),

assigned as (
    select
        -- the history's name of the month column (history.monthly_scores)
        cast('{{ var("delivery_month") }}' as varchar) as month,  -- noqa: RF04
        customer_id,
        case
            when draw_order <= round({{ var('holdout_share') }} * stratum_customers)
                then 'control'
            else 'contacted'
        end as arm,
        action_code,
        decline_probability,
        risk_band,
        profit,
        profit_at_risk,
        segments
    from listed
)

select * from assigned
